import { navigate } from '../../app/router';
import type { RunnerConnection } from '../../runner/runner-connection';
import type { useOpenDocuments } from '../editor/use-open-documents';
import { ideSettings } from '../settings/ide-settings';
import type { IdeCommand } from './command';
import { useGlobalShortcuts } from './use-global-shortcuts';

interface IdeActions {
  files: ReturnType<typeof useOpenDocuments>;
  connection: RunnerConnection;
  showTool(tool: string): void;
  showSearch(): void;
  showSide(view: string): void;
  openPicker(which: 'files' | 'commands'): void;
  openSettings(): void;
  reloadPreview(): void;
  stopRepl(): void;
}

/** Every action of the IDE with its shortcut: what the command palette lists and the keyboard runs. */
export function useIdeCommands(a: IdeActions): IdeCommand[] {
  const { files, connection } = a;
  // Built on every render (the actions are new each time; the shortcut hook reads the latest list).
  const app = (verb: 'start' | 'stop' | 'restart') => () =>
    void connection.request(`process:${verb}`, { name: 'app' }).catch(() => undefined);
  const activeDoc = () => files.docs.find((d) => d.path === files.active);
  const settings = ideSettings.current;
  const commands: IdeCommand[] = [
    { id: 'files', label: 'Go to file…', shortcut: 'Mod+P', global: true, run: () => a.openPicker('files') },
    {
      id: 'commands',
      label: 'Show all commands',
      shortcut: 'Mod+Shift+P',
      global: true,
      run: () => a.openPicker('commands'),
    },
    {
      id: 'search',
      label: 'Search in files',
      shortcut: 'Mod+Shift+F',
      global: true,
      notIn: '.terminal-view', // the terminal's own find keeps Ctrl+Shift+F there
      run: a.showSearch,
    },
    { id: 'git', label: 'Show source control (git)', run: () => a.showSide('git') },
    { id: 'save', label: 'Save file', shortcut: 'Mod+S', run: () => void activeDoc()?.save() },
    {
      id: 'close-tab',
      label: 'Close editor tab',
      run: () => {
        if (files.active) void files.close(files.active);
      },
    },
    { id: 'run', label: 'Run the app', run: app('start') },
    { id: 'stop', label: 'Stop the app', run: app('stop') },
    { id: 'restart', label: 'Restart the app', run: app('restart') },
    { id: 'preview', label: 'Show the preview', run: () => a.showTool('preview') },
    { id: 'reload-preview', label: 'Reload the preview', run: a.reloadPreview },
    { id: 'console', label: "Show the app's console", run: () => a.showTool('console') },
    { id: 'processes', label: 'Show processes', run: () => a.showTool('processes') },
    { id: 'runs', label: 'Show runs', run: () => a.showTool('runs') },
    { id: 'env', label: 'Show secrets and environment variables', run: () => a.showTool('env') },
    { id: 'settings', label: 'Open settings', shortcut: 'Mod+,', global: true, run: a.openSettings },
    {
      id: 'theme',
      label: `Switch to the ${settings.theme === 'dark' ? 'light' : 'dark'} theme`,
      run: () => ideSettings.update({ theme: settings.theme === 'dark' ? 'light' : 'dark' }),
    },
    {
      id: 'word-wrap',
      label: settings.wordWrap ? 'Turn word wrap off' : 'Turn word wrap on',
      run: () => ideSettings.update({ wordWrap: !settings.wordWrap }),
    },
    {
      id: 'autosave',
      label: settings.autosave ? 'Turn autosave off' : 'Turn autosave on',
      run: () => ideSettings.update({ autosave: !settings.autosave }),
    },
    { id: 'home', label: 'Go to all repls', run: () => navigate('/') },
    { id: 'stop-repl', label: 'Stop this repl', run: a.stopRepl },
  ];
  useGlobalShortcuts(commands);
  return commands;
}
