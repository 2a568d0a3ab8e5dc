import type { GitChange, GitDiff, GitStatus } from '@cubicle/protocol';
import { Minus, Plus } from 'lucide-react';
import { useEffect, useState } from 'react';
import { describeError } from '../../api/error-messages';
import { useReplSession } from '../repl-session';
import { DiffDialog } from './DiffDialog';
import { changeLetter } from './use-git-status';

interface SourceControlProps {
  status: GitStatus | null;
  refresh(): void;
}

/**
 * Source Control, as in VS Code: the branch (switch or create), changes staged and not, a diff
 * per file, commit, push and pull. Git itself runs in the runner (the git CLI); push and pull
 * sign in with the repl's GIT_USERNAME and GIT_TOKEN secrets.
 */
export function SourceControlView({ status, refresh }: SourceControlProps) {
  const { connection } = useReplSession();
  const [message, setMessage] = useState('');
  const [note, setNote] = useState<{ text: string; error: boolean } | null>(null);
  const [busy, setBusy] = useState(false);
  const [diff, setDiff] = useState<GitDiff | null>(null);
  const [branches, setBranches] = useState<string[]>([]);
  const [newBranch, setNewBranch] = useState('');

  const branch = status?.branch ?? null;
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new branch (created or switched to) re-reads the list
  useEffect(() => {
    if (!status?.repository) return;
    connection.request('git:branches', {}).then(
      (b) => setBranches(b.branches),
      () => undefined,
    );
  }, [connection, status?.repository, branch]);

  const act = async (what: () => Promise<string | undefined>) => {
    setBusy(true);
    setNote(null);
    try {
      const said = await what();
      if (said) setNote({ text: said, error: false });
    } catch (err) {
      setNote({ text: describeError(err), error: true });
    } finally {
      setBusy(false);
      refresh();
    }
  };

  if (!status) return <p className="muted scm-empty">Reading git status…</p>;
  if (!status.repository) {
    return (
      <p className="muted scm-empty">
        This workspace is not a git repository. Run <code>git init</code> in the shell, or import a repository when you
        create a repl.
      </p>
    );
  }
  const staged = status.changes.filter((c) => c.index !== ' ' && c.index !== '?');
  const unstaged = status.changes.filter((c) => c.worktree !== ' ');
  const paths = (list: GitChange[]) => list.map((c) => c.path);

  const commit = () =>
    act(async () => {
      // As VS Code's smart commit: with nothing staged, commit every change.
      if (staged.length === 0 && unstaged.length > 0) await connection.request('git:stage', { paths: paths(unstaged) });
      const { commit } = await connection.request('git:commit', { message });
      setMessage('');
      return `Committed ${commit.slice(0, 7)}`;
    });

  const row = (c: GitChange, action: 'stage' | 'unstage') => (
    <div key={`${action}:${c.path}`} className="scm-row" data-path={c.path}>
      <button
        type="button"
        className="scm-file"
        title={`${c.path}: show the changes`}
        onClick={() =>
          void act(async () => {
            setDiff(await connection.request('git:diff', { path: c.path }));
            return undefined;
          })
        }
      >
        {c.path}
      </button>
      <span className={`scm-letter git-${changeLetter(c.index, c.worktree)}`}>{changeLetter(c.index, c.worktree)}</span>
      <button
        type="button"
        aria-label={`${action === 'stage' ? 'Stage' : 'Unstage'} ${c.path}`}
        title={action === 'stage' ? 'Stage' : 'Unstage'}
        disabled={busy}
        onClick={() =>
          void act(async () => {
            await connection.request(action === 'stage' ? 'git:stage' : 'git:unstage', { paths: [c.path] });
            return undefined;
          })
        }
      >
        {action === 'stage' ? <Plus size={13} aria-hidden /> : <Minus size={13} aria-hidden />}
      </button>
    </div>
  );

  return (
    <div className="scm-view">
      <div className="scm-branch">
        <select
          aria-label="Branch"
          value={branch ?? ''}
          disabled={busy}
          onChange={(e) =>
            void act(async () => {
              await connection.request('git:checkout', { branch: e.target.value, create: false });
              return `On ${e.target.value}`;
            })
          }
        >
          {[...new Set([...(branch ? [branch] : []), ...branches])].map((b) => (
            <option key={b} value={b}>
              {b}
            </option>
          ))}
        </select>
        {status.ahead !== null && (
          <span className="muted" title="commits to push ↑, to pull ↓">
            ↑{status.ahead} ↓{status.behind}
          </span>
        )}
        <button
          type="button"
          disabled={busy}
          onClick={() => void act(async () => (await connection.request('git:pull', {})).output || 'Pulled')}
        >
          Pull
        </button>
        <button
          type="button"
          disabled={busy}
          onClick={() => void act(async () => (await connection.request('git:push', {})).output || 'Pushed')}
        >
          Push
        </button>
      </div>
      <form
        className="scm-new-branch"
        onSubmit={(e) => {
          e.preventDefault();
          const name = newBranch.trim();
          void act(async () => {
            await connection.request('git:checkout', { branch: name, create: true });
            setNewBranch('');
            return `On the new branch ${name}`;
          });
        }}
      >
        <input
          aria-label="New branch name"
          placeholder="new-branch"
          value={newBranch}
          onChange={(e) => setNewBranch(e.target.value)}
        />
        <button type="submit" disabled={busy || !newBranch.trim()}>
          Create branch
        </button>
      </form>
      <textarea
        aria-label="Commit message"
        placeholder="Message (what this commit does)"
        value={message}
        onChange={(e) => setMessage(e.target.value)}
        rows={3}
      />
      <button
        type="button"
        className="primary"
        disabled={busy || !message.trim() || status.changes.length === 0}
        onClick={() => void commit()}
      >
        Commit{staged.length === 0 && unstaged.length > 0 ? ' all' : ''}
      </button>
      {note && (
        <pre className={`scm-note ${note.error ? 'error' : 'muted'}`} role={note.error ? 'alert' : 'status'}>
          {note.text}
        </pre>
      )}
      {staged.length > 0 && <h3 className="scm-heading">Staged changes</h3>}
      {staged.map((c) => row(c, 'unstage'))}
      <h3 className="scm-heading">Changes</h3>
      {unstaged.length === 0 && <p className="muted scm-empty">No changes since the last commit.</p>}
      {unstaged.map((c) => row(c, 'stage'))}
      {diff && <DiffDialog diff={diff} onClose={() => setDiff(null)} />}
    </div>
  );
}
