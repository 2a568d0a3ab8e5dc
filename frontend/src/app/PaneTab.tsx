import { Circle, X } from 'lucide-react';

interface PaneTabProps {
  label: string;
  active: boolean;
  /** Shows a dot instead of the close cross (until hovered), as editors do for unsaved files. */
  unsaved?: boolean;
  title?: string;
  /** `data-*` attributes that tests and styles select on (path, status, terminal id). */
  data: Record<`data-${string}`, string>;
  onActivate(): void;
  onClose(): void;
}

/** One tab of a pane's tab strip (editor files, terminals): activate by click or Enter, close by ✕ or middle click. */
export function PaneTab({ label, active, unsaved = false, title, data, onActivate, onClose }: PaneTabProps) {
  return (
    <div
      role="tab"
      aria-selected={active}
      tabIndex={0}
      className={`tab ${active ? 'active' : ''}`}
      title={title}
      {...data}
      onClick={onActivate}
      onKeyDown={(e) => e.key === 'Enter' && onActivate()}
      onAuxClick={(e) => e.button === 1 && onClose()}
    >
      <span className="tab-name">{label}</span>
      <button
        type="button"
        className={`tab-close ${unsaved ? 'unsaved' : ''}`}
        aria-label={unsaved ? `${label} has unsaved changes; close` : `Close ${label}`}
        onClick={(e) => {
          e.stopPropagation();
          onClose();
        }}
      >
        <Circle className="dot" size={8} fill="currentColor" aria-hidden />
        <X className="x" size={13} aria-hidden />
      </button>
    </div>
  );
}
