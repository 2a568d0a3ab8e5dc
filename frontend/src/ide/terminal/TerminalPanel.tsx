import { Plus, Search, X } from 'lucide-react';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef, useState } from 'react';
import { formatBytes } from '../../app/format';
import { PaneTab } from '../../app/PaneTab';
import { queryParam, setQueryParam } from '../../app/router';
import { useRevision } from '../../app/use-revision';
import { useReplSession } from '../repl-session';
import { formatTerminalIds, newTerminalId, parseTerminalIds } from './terminal-ids';
import type { InputNotice } from './terminal-input';
import { TerminalTab } from './terminal-tab';

interface TerminalPanelProps {
  onFirstReady(): void;
}

/**
 * Terminal tabs. Their ids are kept in the URL; with none there, the runner's existing shells
 * are shown (a second browser tab sees the same ones), or a new one is made.
 */
export function TerminalPanel({ onFirstReady }: TerminalPanelProps) {
  const { connection } = useReplSession();
  const [tabs, setTabs] = useState<TerminalTab[]>([]);
  const [active, setActive] = useState<string | null>(queryParam('term'));
  const tabsRef = useRef(tabs);
  tabsRef.current = tabs;
  const readyOnce = useRef(onFirstReady);
  readyOnce.current = onFirstReady;

  useEffect(() => {
    let cancelled = false;
    const made: TerminalTab[] = [];
    const make = (id: string) => {
      const tab = new TerminalTab(connection, id, () => readyOnce.current());
      made.push(tab);
      return tab;
    };
    (async () => {
      let ids = parseTerminalIds(queryParam('terms'));
      if (ids.length === 0) {
        const listed = await connection.request('terminal:list', {}).catch(() => ({ terminals: [] }));
        ids = listed.terminals.map((t) => t.id);
      }
      if (ids.length === 0) ids = [newTerminalId()];
      if (cancelled) return;
      setTabs(ids.map(make));
      setActive((a) => (a && ids.includes(a) ? a : (ids[0] ?? null)));
    })();
    return () => {
      cancelled = true;
      for (const t of made) t.dispose();
    };
  }, [connection]);

  useEffect(() => {
    if (tabs.length === 0) return;
    setQueryParam('terms', formatTerminalIds(tabs.map((t) => t.id)));
    setQueryParam('term', active);
  }, [tabs, active]);

  const add = (id = newTerminalId()) => {
    const tab = new TerminalTab(connection, id, () => readyOnce.current());
    tabsRef.current = [...tabsRef.current, tab];
    setTabs(tabsRef.current);
    setActive(id);
    return tab;
  };

  const close = (tab: TerminalTab) => {
    tab.close();
    const rest = tabsRef.current.filter((t) => t !== tab);
    tabsRef.current = rest;
    setTabs(rest);
    setActive((a) => (a === tab.id ? (rest[0]?.id ?? null) : a));
  };

  return (
    <div className="terminal-panel">
      <div className="tabs" role="tablist" aria-label="Terminals">
        {tabs.map((tab, i) => (
          <TerminalTabButton
            key={tab.id}
            tab={tab}
            label={`Shell ${i + 1}`}
            active={tab.id === active}
            onActivate={() => setActive(tab.id)}
            onClose={() => close(tab)}
          />
        ))}
        <button type="button" className="tab-add" aria-label="New terminal" title="New terminal" onClick={() => add()}>
          <Plus size={15} aria-hidden />
        </button>
      </div>
      <div className="terminal-body">
        {tabs.map((tab) => (
          <TerminalView key={tab.id} tab={tab} visible={tab.id === active} />
        ))}
      </div>
    </div>
  );
}

interface TabButtonProps {
  tab: TerminalTab;
  label: string;
  active: boolean;
  onActivate(): void;
  onClose(): void;
}

function TerminalTabButton({ tab, label, active, onActivate, onClose }: TabButtonProps) {
  useRevision(tab);
  return (
    <PaneTab
      label={label}
      active={active}
      data={{ 'data-terminal': tab.id, 'data-status': tab.status }}
      onActivate={onActivate}
      onClose={onClose}
    />
  );
}

function TerminalView({ tab, visible }: { tab: TerminalTab; visible: boolean }) {
  useRevision(tab);
  const host = useRef<HTMLDivElement>(null);
  const [searching, setSearching] = useState(false);
  const [query, setQuery] = useState('');
  useEffect(() => {
    if (host.current) tab.open(host.current);
    tab.onFindRequested = () => setSearching(true);
  }, [tab]);
  useEffect(() => {
    if (visible) tab.focus();
  }, [tab, visible]);
  const blocked = tab.status === 'reconnecting' || tab.status === 'attaching';
  return (
    <div className="terminal-view" hidden={!visible} data-terminal={tab.id} data-status={tab.status}>
      <div ref={host} className="xterm-host" />
      {blocked && (
        <div className="terminal-overlay" role="status">
          {tab.status === 'reconnecting' ? 'Reconnecting…' : 'Starting the shell…'}
        </div>
      )}
      {tab.status === 'failed' && (
        <div className="terminal-overlay error" role="alert">
          This terminal could not be opened.
        </div>
      )}
      {tab.inputNotice && <InputNoticeBar notice={tab.inputNotice} onDismiss={() => tab.dismissNotice()} />}
      <button
        type="button"
        className="terminal-search-toggle"
        title="Find (Ctrl+Shift+F)"
        onClick={() => setSearching((s) => !s)}
      >
        <Search size={14} aria-hidden />
      </button>
      {searching && (
        <div className="terminal-search">
          <input
            // biome-ignore lint/a11y/noAutofocus: the search box opens on request, for typing
            autoFocus
            aria-label="Find in terminal"
            value={query}
            onChange={(e) => {
              setQuery(e.target.value);
              tab.search.findNext(e.target.value, { incremental: true });
            }}
            onKeyDown={(e) => {
              if (e.key === 'Enter') e.shiftKey ? tab.search.findPrevious(query) : tab.search.findNext(query);
              if (e.key === 'Escape') {
                setSearching(false);
                tab.search.clearDecorations();
                tab.focus();
              }
            }}
          />
        </div>
      )}
    </div>
  );
}

function InputNoticeBar({ notice, onDismiss }: { notice: InputNotice; onDismiss(): void }) {
  if (notice.kind === 'progress') {
    return (
      <div className="terminal-notice" role="status">
        Pasting {formatBytes(notice.sent)} of {formatBytes(notice.total)}…
      </div>
    );
  }
  return (
    <div className="terminal-notice error" role="alert">
      {notice.message}
      <button type="button" onClick={onDismiss} aria-label="Dismiss">
        <X size={13} aria-hidden />
      </button>
    </div>
  );
}
