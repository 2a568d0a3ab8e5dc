import { Box, Settings } from 'lucide-react';
import { useEffect, useRef, useState } from 'react';
import { AccountMenu } from '../account/AccountMenu';
import { describeError } from '../api/error-messages';
import type { OrchestratorClient } from '../api/orchestrator-client';
import { navigate } from '../app/router';
import { BootScreen } from './boot/BootScreen';
import { useReplBoot } from './boot/use-repl-boot';
import { Picker } from './commands/Picker';
import { QuickOpen } from './commands/QuickOpen';
import { showShortcut } from './commands/shortcuts';
import { useIdeCommands } from './commands/use-ide-commands';
import { EditorArea } from './editor/EditorArea';
import { useOpenDocuments } from './editor/use-open-documents';
import { EnvironmentView } from './environment/EnvironmentView';
import { FileTree } from './files/FileTree';
import { SourceControlView } from './git/SourceControlView';
import { useGitStatus } from './git/use-git-status';
import { ProblemsView, problemCount } from './language/ProblemsView';
import { ReferencesView } from './language/ReferencesView';
import { useLanguageRevision } from './language/use-language-clients';
import { IdeLayout } from './layout/IdeLayout';
import { ToolPanel } from './layout/ToolPanel';
import { PortsView } from './ports/PortsView';
import { usePorts } from './ports/use-ports';
import { PreviewPane } from './preview/PreviewPane';
import { AppControls } from './processes/AppControls';
import { ProcessConsole } from './processes/ProcessConsole';
import { ProcessesView } from './processes/ProcessesView';
import { useProcesses } from './processes/use-processes';
import { type ReplSession, ReplSessionContext } from './repl-session';
import { RunsView } from './runs/RunsView';
import { StatusBar } from './StatusBar';
import { SearchView } from './search/SearchView';
import { SettingsDialog } from './settings/SettingsDialog';
import { TerminalPanel } from './terminal/TerminalPanel';

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
  const processes = useProcesses(connection);
  const [previewReload, setPreviewReload] = useState(0);
  const [tool, setTool] = useState('preview');
  const [side, setSide] = useState('files');
  const ports = usePorts(connection);
  const git = useGitStatus(connection);
  const [previewPort, setPreviewPort] = useState<number | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [stopping, setStopping] = useState(false);
  const [settingsOpen, setSettingsOpen] = useState(false);
  const [picker, setPicker] = useState<'files' | 'commands' | null>(null);

  const stopRepl = async () => {
    setStopping(true);
    try {
      await api.stop(repl.id);
      navigate('/');
    } catch (err) {
      setNotice(describeError(err));
      setStopping(false);
    }
  };
  const commands = useIdeCommands({
    files,
    connection,
    showTool: setTool,
    showSide: setSide,
    showSearch: () => {
      setSide('search');
      requestAnimationFrame(() => document.querySelector<HTMLInputElement>('.search-view input')?.select());
    },
    openPicker: setPicker,
    openSettings: () => setSettingsOpen(true),
    reloadPreview: () => setPreviewReload((n) => n + 1),
    stopRepl,
  });

  useLanguageRevision(files.languages);
  const problems = problemCount(files.languages);
  // A Shift+F12 answer comes to the front.
  const shownReferences = files.languages.references;
  useEffect(() => {
    if (shownReferences) setTool('references');
  }, [shownReferences]);

  // The preview follows the app: it reloads each time the app comes up.
  const appState = processes.app?.state;
  const lastAppState = useRef(appState);
  useEffect(() => {
    if (appState === 'running' && lastAppState.current !== 'running') setPreviewReload((n) => n + 1);
    lastAppState.current = appState;
  }, [appState]);

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
          <Box size={16} aria-hidden /> Cubicle
        </a>
        <span className="repl-name">{repl.name}</span>
        <AppControls
          state={processes}
          onRun={() => setTool((t) => (t === 'preview' || t === 'console' ? t : 'preview'))}
        />
        {notice && (
          <span className="top-notice" role="alert" title={notice}>
            {notice}
          </span>
        )}
        <span className="top-spacer" />
        <button type="button" aria-label="Settings" title="Settings (Ctrl+,)" onClick={() => setSettingsOpen(true)}>
          <Settings size={15} aria-hidden />
        </button>
        <AccountMenu api={api} />
        <button
          type="button"
          disabled={stopping}
          title="Save everything to storage and stop this repl's sandbox"
          onClick={() => void stopRepl()}
        >
          {stopping ? 'Stopping…' : 'Stop repl'}
        </button>
      </header>
      <IdeLayout
        replId={repl.id}
        tree={
          <ToolPanel
            label="Side bar"
            active={side}
            onActivate={setSide}
            tabs={[
              {
                id: 'files',
                label: 'Files',
                body: (
                  <FileTree
                    activePath={files.active}
                    onOpen={files.open}
                    onMoved={files.moved}
                    onDeleted={files.deleted}
                    gitLetters={git.letters}
                  />
                ),
              },
              {
                id: 'git',
                label: git.status?.changes.length ? `Git (${git.status.changes.length})` : 'Git',
                body: <SourceControlView status={git.status} refresh={git.refresh} />,
              },
              {
                id: 'search',
                label: 'Search',
                body: <SearchView onOpenAt={(path, at) => files.open(path, undefined, at)} />,
              },
            ]}
          />
        }
        editor={
          <EditorArea
            docs={files.docs}
            active={files.active}
            closing={files.closing}
            onActivate={files.setActive}
            onClose={(path) => void files.close(path)}
            onDiscard={files.discard}
            onConfirmClose={files.confirmClose}
          />
        }
        terminal={<TerminalPanel onFirstReady={onShellReady} />}
        preview={
          <ToolPanel
            label="Tools"
            active={tool}
            onActivate={setTool}
            tabs={[
              {
                id: 'preview',
                label: 'Preview',
                body: (
                  <PreviewPane
                    replId={repl.id}
                    initialShare={repl.share}
                    api={api}
                    previewUrl={runner.previewUrl}
                    reloadSignal={previewReload}
                    ports={ports}
                    port={previewPort}
                    onPort={setPreviewPort}
                  />
                ),
              },
              { id: 'console', label: 'Console', body: <ProcessConsole name="app" /> },
              { id: 'processes', label: 'Processes', body: <ProcessesView state={processes} /> },
              { id: 'runs', label: 'Runs', body: <RunsView tasks={processes.config?.tasks ?? {}} /> },
              {
                id: 'ports',
                label: ports.length > 0 ? `Ports (${ports.length})` : 'Ports',
                body: (
                  <PortsView
                    ports={ports}
                    previewUrl={runner.previewUrl}
                    onShow={(port) => {
                      setPreviewPort(port);
                      setTool('preview');
                    }}
                  />
                ),
              },
              { id: 'env', label: 'Secrets', body: <EnvironmentView /> },
              {
                id: 'problems',
                label: problems > 0 ? `Problems (${problems})` : 'Problems',
                body: (
                  <ProblemsView clients={files.languages} onOpenAt={(path, at) => files.open(path, undefined, at)} />
                ),
              },
              {
                id: 'references',
                label: 'References',
                body: (
                  <ReferencesView clients={files.languages} onOpenAt={(path, at) => files.open(path, undefined, at)} />
                ),
              },
            ]}
          />
        }
      />
      <StatusBar docs={files.docs} languages={files.languages} />
      {settingsOpen && <SettingsDialog onClose={() => setSettingsOpen(false)} />}
      {picker === 'files' && <QuickOpen onOpen={(path) => files.open(path)} onClose={() => setPicker(null)} />}
      {picker === 'commands' && (
        <Picker
          title="Commands"
          placeholder="Type a command"
          items={commands.map((c) => ({ ...c, hint: c.shortcut && showShortcut(c.shortcut) }))}
          onPick={(c) => {
            setPicker(null);
            c.run();
          }}
          onClose={() => setPicker(null)}
        />
      )}
    </>
  );
}
