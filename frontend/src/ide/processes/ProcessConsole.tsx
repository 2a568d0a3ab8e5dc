import { useReplSession } from '../repl-session';
import { LogView } from './LogView';
import { useLogLines } from './use-log-lines';

/** The live output of one supervised process (the Console shows `app`'s). */
export function ProcessConsole({ name }: { name: string }) {
  const { connection } = useReplSession();
  const [lines, clearShown] = useLogLines(
    name,
    async () => (await connection.request('process:logs', { name, limit: 1000 })).lines,
    (push) => connection.on('process:log', (p) => p.name === name && push(p.lines)),
  );
  return (
    <div className="console">
      <div className="pane-toolbar">
        <span className="muted">{name}</span>
        <button
          type="button"
          onClick={() => {
            void connection.request('process:clearLogs', { name }).catch(() => undefined);
            clearShown();
          }}
        >
          Clear
        </button>
      </div>
      <LogView lines={lines} empty={`No output from ${name} yet. Press Run.`} />
    </div>
  );
}
