import fuzzysort from 'fuzzysort';
import { type ReactNode, useMemo, useState } from 'react';

export interface PickerItem {
  id: string;
  /** What is matched and shown. */
  label: string;
  /** Shown dimmed after the label (a file's folder). */
  detail?: string;
  /** Shown at the right (a command's shortcut). */
  hint?: string;
}

interface PickerProps<T extends PickerItem> {
  title: string;
  placeholder: string;
  items: readonly T[];
  /** Matched against the query instead of the label (a file's whole path). */
  matchOn?(item: T): string;
  /** Shown instead of the list while the items are loading or could not be had. */
  status?: string | null;
  onPick(item: T): void;
  onClose(): void;
}

/** At most this many matches are listed: enough to scan, few enough to render at once. */
const LISTED = 50;

/**
 * A fuzzy-filtered list driven from the keyboard, as in VS Code's quick open: type to filter,
 * ↑/↓ to move, Enter to pick, Escape or a click outside to close.
 */
export function Picker<T extends PickerItem>({
  title,
  placeholder,
  items,
  matchOn,
  status,
  onPick,
  onClose,
}: PickerProps<T>) {
  const [query, setQuery] = useState('');
  const [selected, setSelected] = useState(0);
  const matches = useMemo(() => {
    if (!query.trim()) return items.slice(0, LISTED).map((item) => ({ item, shown: item.label as ReactNode }));
    const key = (item: T) => matchOn?.(item) ?? item.label;
    return fuzzysort.go(query, items, { key, limit: LISTED, threshold: 0 }).map((r) => ({
      item: r.obj,
      shown: matchOn ? r.obj.label : (r.highlight((m, i) => <mark key={i}>{m}</mark>) as ReactNode),
    }));
  }, [items, query, matchOn]);
  const pick = (i: number) => {
    const m = matches[i];
    if (m) onPick(m.item);
  };
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: a click on the backdrop closes, as Escape does
    // biome-ignore lint/a11y/useKeyWithClickEvents: Escape is handled by the input
    <div className="picker-backdrop" onClick={onClose}>
      {/* biome-ignore lint/a11y/useKeyWithClickEvents: clicks inside must not reach the backdrop */}
      <div className="picker" role="dialog" aria-label={title} onClick={(e) => e.stopPropagation()}>
        <input
          // biome-ignore lint/a11y/noAutofocus: the picker opens to be typed into
          autoFocus
          aria-label={placeholder}
          placeholder={placeholder}
          value={query}
          role="combobox"
          aria-expanded="true"
          aria-controls="picker-list"
          aria-activedescendant={matches[selected] ? `picker-option-${selected}` : undefined}
          onChange={(e) => {
            setQuery(e.target.value);
            setSelected(0);
          }}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown') setSelected((s) => Math.min(s + 1, matches.length - 1));
            else if (e.key === 'ArrowUp') setSelected((s) => Math.max(s - 1, 0));
            else if (e.key === 'Enter') pick(selected);
            else if (e.key === 'Escape') onClose();
            else return;
            e.preventDefault();
          }}
        />
        {status ? (
          <div className="picker-status muted">{status}</div>
        ) : (
          <div id="picker-list" role="listbox" className="picker-list">
            {matches.length === 0 && <div className="picker-status muted">No matches</div>}
            {matches.map(({ item, shown }, i) => (
              // biome-ignore lint/a11y/useKeyWithClickEvents: the keyboard works through the input above
              <div
                key={item.id}
                id={`picker-option-${i}`}
                role="option"
                tabIndex={-1}
                aria-selected={i === selected}
                className="picker-item"
                onMouseMove={() => setSelected(i)}
                onClick={() => pick(i)}
              >
                <span className="picker-label">{shown}</span>
                {item.detail && <span className="picker-detail muted">{item.detail}</span>}
                {item.hint && <kbd className="picker-hint">{item.hint}</kbd>}
              </div>
            ))}
          </div>
        )}
      </div>
    </div>
  );
}
