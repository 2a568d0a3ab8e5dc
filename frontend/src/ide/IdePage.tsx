import { useEffect, useRef, useState } from 'react';
import { describeError } from '../api/error-messages';
import type { OrchestratorClient } from '../api/orchestrator-client';
import { navigate } from '../app/router';
import { BootScreen } from './boot/BootScreen';
import { useReplBoot } from './boot/use-repl-boot';
import { EditorArea } from './editor/EditorArea';
import { useOpenDocuments } from './editor/use-open-documents';
import { FileTree } from './files/FileTree';
import { IdeLayout } from './layout/IdeLayout';
import { PreviewPane } from './preview/PreviewPane';
import { type ReplSession, ReplSessionContext } from './repl-session';
import { resolveRunCommand } from './run/run-command';
import { StatusBar } from './StatusBar';
import { TerminalPanel, type TerminalPanelHandle } from './terminal/TerminalPanel';

/** One repl: boot it, then the IDE. Default export for React.lazy (its own chunk). */
export default function IdePage({ replId, api }: { replId: string; api: OrchestratorClient }) {
  const { boot, session, retry, shellReady } = useReplBoot(replId, api);
  const [name, setName] = useState(replId);
  useEffect(() => {
    api.get(replId).then(
      (r) => setName(r.name),
      () => undefined,
    );
  }, [api, replId]);
  useEffect(() => {
    document.title = `${name} · Cubicle`;
  }, [name]);

  const booting = boot.step !== 'done' || boot.error !== null || boot.stoppedUnderneath;
  return (
    <div className="ide">
      {session && (
        <ReplSessionContext.Provider value={session}>
          <Workbench session={session} onShellReady={shellReady} />
        </ReplSessionContext.Provider>
      )}
      {booting && <BootScreen boot={boot} name={name} onRetry={retry} />}
    </div>
  );
}

function Workbench({ session, onShellReady }: { session: ReplSession; onShellReady(): void }) {
  const { repl, runner, connection, api } = session;
  const files = useOpenDocuments(repl.id, connection);
  const terminals = useRef<TerminalPanelHandle | null>(null);
  const [previewReload, setPreviewReload] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);
  const [stopping, setStopping] = useState(false);

  const run = async () => {
    setNotice(null);
    try {
      const resolved = await resolveRunCommand(connection);
      if ('error' in resolved) return setNotice(resolved.error);
      // A second press restarts the app instead of typing into it.
      terminals.current?.runIn('run', `${resolved.command}\r`, { interrupt: true });
      setTimeout(() => setPreviewReload((n) => n + 1), 1500);
    } catch (err) {
      setNotice(describeError(err));
    }
  };

  return (
    <>
      <header className="top-bar">
        <a
          href="/"
          className="home-link"
          onClick={(e) => {
            e.preventDefault();
            navigate('/');
          }}
        >
          ▣ Cubicle
        </a>
        <span className="repl-name">{repl.name}</span>
        <button type="button" className="run-button primary" onClick={() => void run()}>
          ▶ Run
        </button>
        <button
          type="button"
          className="stop-app"
          title="Interrupt the running app"
          onClick={() => terminals.current?.runIn('run', '\x03')}
        >
          ■ Stop
        </button>
        {notice && (
          <span className="top-notice" role="alert">
            {notice}
          </span>
        )}
        <span className="top-spacer" />
        <button
          type="button"
          disabled={stopping}
          title="Save everything to storage and stop this repl's sandbox"
          onClick={async () => {
            setStopping(true);
            try {
              await api.stop(repl.id);
              navigate('/');
            } catch (err) {
              setNotice(describeError(err));
              setStopping(false);
            }
          }}
        >
          {stopping ? 'Stopping…' : 'Stop repl'}
        </button>
      </header>
      <IdeLayout
        replId={repl.id}
        tree={
          <FileTree activePath={files.active} onOpen={files.open} onMoved={files.moved} onDeleted={files.deleted} />
        }
        editor={
          <EditorArea docs={files.docs} active={files.active} onActivate={files.setActive} onClose={files.close} />
        }
        terminal={<TerminalPanel handle={terminals} onFirstReady={onShellReady} />}
        preview={<PreviewPane previewUrl={runner.previewUrl} reloadSignal={previewReload} />}
      />
      <StatusBar />
    </>
  );
}
