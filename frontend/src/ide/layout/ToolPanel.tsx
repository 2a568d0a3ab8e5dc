import { type ReactNode, useState } from 'react';

/** The right-hand pane: one tab shown at a time, every tab kept mounted (the preview never reloads on a switch). */
export function ToolPanel({
  tabs,
  active,
  onActivate,
}: {
  tabs: { id: string; label: string; body: ReactNode }[];
  active?: string;
  onActivate?(id: string): void;
}) {
  const [own, setOwn] = useState(tabs[0]?.id ?? '');
  const shown = active ?? own;
  return (
    <div className="tool-panel">
      <div className="tabs" role="tablist" aria-label="Tools">
        {tabs.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            aria-selected={t.id === shown}
            className={`tab tool-tab ${t.id === shown ? 'active' : ''}`}
            onClick={() => (onActivate ? onActivate(t.id) : setOwn(t.id))}
          >
            {t.label}
          </button>
        ))}
      </div>
      {tabs.map((t) => (
        <div key={t.id} className="tool-body" role="tabpanel" hidden={t.id !== shown} data-tool={t.id}>
          {t.body}
        </div>
      ))}
    </div>
  );
}
