import type { RunRecord } from '@cubicle/protocol';
import { Play } from 'lucide-react';
import { useCallback, useEffect, useState } from 'react';
import { describeError } from '../../api/error-messages';
import { formatDuration } from '../../app/format';
import { LogView } from '../processes/LogView';
import { useLogLines } from '../processes/use-log-lines';
import { useReplSession } from '../repl-session';

const PAGE = 20;

/** One-off runs: start a task or a command, watch its output live, browse the history, cancel. */
export function RunsView({ tasks }: { tasks: Record<string, string> }) {
  const { connection } = useReplSession();
  const [runs, setRuns] = useState<RunRecord[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [command, setCommand] = useState('');
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    const page = await connection.request('run:list', { limit: PAGE });
    setRuns(page.runs);
    setNext(page.next);
  }, [connection]);

  useEffect(() => {
    void load().catch(() => undefined);
    const off = connection.on('run:status', (run) =>
      setRuns((list) =>
        list.some((r) => r.id === run.id) ? list.map((r) => (r.id === run.id ? run : r)) : [run, ...list],
      ),
    );
    const offState = connection.onState((s) => s === 'connected' && void load().catch(() => undefined));
    return () => {
      off();
      offState();
    };
  }, [connection, load]);

  const start = async (request: { task: string } | { command: string }) => {
    setError(null);
    try {
      const { run } = await connection.request('run:start', request);
      setSelected(run.id);
    } catch (err) {
      setError(describeError(err));
    }
  };

  const current = runs.find((r) => r.id === selected) ?? null;
  return (
    <div className="runs-view">
      <form
        className="pane-toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          if (command.trim()) void start({ command: command.trim() });
        }}
      >
        {Object.keys(tasks).map((task) => (
          <button key={task} type="button" title={tasks[task]} onClick={() => void start({ task })}>
            <Play size={12} fill="currentColor" aria-hidden /> {task}
          </button>
        ))}
        <input
          aria-label="Command to run"
          placeholder="a command, e.g. npm test"
          value={command}
          onChange={(e) => setCommand(e.target.value)}
        />
        <button type="submit" disabled={!command.trim()}>
          Run
        </button>
      </form>
      {error && (
        <div className="banner error" role="alert">
          {error}
        </div>
      )}
      <div className="runs-split">
        <ul className="run-list" aria-label="Runs">
          {runs.map((r) => (
            <li key={r.id}>
              <button
                type="button"
                className={`run-item ${r.id === selected ? 'selected' : ''}`}
                data-run={r.id}
                data-status={r.status}
                onClick={() => setSelected(r.id)}
              >
                <span className={`state run-${r.status}`}>{r.status.replace('_', ' ')}</span>
                <span className="run-command">{r.task ?? r.command}</span>
                <span className="muted">
                  {r.exitCode !== null ? `exit ${r.exitCode} · ` : ''}
                  {formatDuration(r.startedAt !== null && r.finishedAt !== null ? r.finishedAt - r.startedAt : null)}
                </span>
              </button>
            </li>
          ))}
          {runs.length === 0 && <li className="muted pad">No runs yet.</li>}
          {next && (
            <li>
              <button
                type="button"
                className="link"
                onClick={async () => {
                  const page = await connection.request('run:list', { limit: PAGE, before: next });
                  setRuns((list) => [...list, ...page.runs]);
                  setNext(page.next);
                }}
              >
                Older runs
              </button>
            </li>
          )}
        </ul>
        <div className="run-detail">
          {current ? <RunDetail run={current} /> : <p className="muted pad">Pick a run to see its output.</p>}
        </div>
      </div>
    </div>
  );
}

function RunDetail({ run }: { run: RunRecord }) {
  const { connection } = useReplSession();
  const [lines] = useLogLines(
    run.id,
    async () => (await connection.request('run:logs', { id: run.id })).lines,
    (push) => connection.on('run:output', (p) => p.id === run.id && push(p.lines)),
  );
  const active = run.status === 'queued' || run.status === 'running';
  return (
    <div className="run-output" data-run={run.id}>
      <div className="pane-toolbar">
        <code>{run.command}</code>
        {active && (
          <button
            type="button"
            onClick={() => void connection.request('run:cancel', { id: run.id }).catch(() => undefined)}
          >
            Cancel
          </button>
        )}
      </div>
      <LogView lines={lines} empty={run.status === 'queued' ? 'Waiting for a free slot…' : 'No output.'} />
    </div>
  );
}
