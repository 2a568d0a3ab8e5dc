import { useEffect, useRef, useState } from 'react';
import { validateName } from './workspace-path';

interface NameInputProps {
  label: string;
  initial: string;
  onCommit(name: string): void;
  onCancel(): void;
}

/** Inline name editing in the tree: Enter commits, Escape or leaving cancels; bad names say why. */
export function NameInput({ label, initial, onCommit, onCancel }: NameInputProps) {
  const [value, setValue] = useState(initial);
  const [problem, setProblem] = useState<string | null>(null);
  const ref = useRef<HTMLInputElement>(null);
  useEffect(() => {
    const input = ref.current;
    if (!input) return;
    input.focus();
    const dot = initial.lastIndexOf('.');
    input.setSelectionRange(0, dot > 0 ? dot : initial.length); // like VS Code: the name, not the extension
  }, [initial]);
  return (
    <span className="name-input">
      <input
        ref={ref}
        aria-label={label}
        aria-invalid={problem !== null}
        value={value}
        onChange={(e) => {
          setValue(e.target.value);
          setProblem(null);
        }}
        onClick={(e) => e.stopPropagation()}
        onKeyDown={(e) => {
          e.stopPropagation();
          if (e.key === 'Escape') onCancel();
          if (e.key !== 'Enter') return;
          const name = value.trim();
          const why = validateName(name);
          if (why) setProblem(why);
          else if (name === initial) onCancel();
          else onCommit(name);
        }}
        onBlur={onCancel}
      />
      {problem && (
        <span className="name-problem" role="alert">
          {problem}
        </span>
      )}
    </span>
  );
}
