import type { ReactNode } from 'react';

/** A pane of tabs (the tools at the right, files and search at the left): one shown, every tab kept mounted (the preview never reloads on a switch). */
export function ToolPanel({
  label,
  tabs,
  active,
  onActivate,
}: {
  /** What the tab strip is called for assistive technology ("Tools", "Side bar"). */
  label: string;
  tabs: { id: string; label: string; body: ReactNode }[];
  /** The tab shown; the IDE owns it (Run brings the preview forward). */
  active: string;
  onActivate(id: string): void;
}) {
  return (
    <div className="tool-panel">
      <div className="tabs" role="tablist" aria-label={label}>
        {tabs.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            aria-selected={t.id === active}
            className={`tab tool-tab ${t.id === active ? 'active' : ''}`}
            onClick={() => onActivate(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      {tabs.map((t) => (
        <div key={t.id} className="tool-body" role="tabpanel" hidden={t.id !== active} data-tool={t.id}>
          {t.body}
        </div>
      ))}
    </div>
  );
}
