import type { ReactNode } from 'react';

/** The right-hand pane: one tab shown at a time, every tab kept mounted (the preview never reloads on a switch). */
export function ToolPanel({
  tabs,
  active,
  onActivate,
}: {
  tabs: { id: string; label: string; body: ReactNode }[];
  /** The tab shown; the IDE owns it (Run brings the preview forward). */
  active: string;
  onActivate(id: string): void;
}) {
  return (
    <div className="tool-panel">
      <div className="tabs" role="tablist" aria-label="Tools">
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
