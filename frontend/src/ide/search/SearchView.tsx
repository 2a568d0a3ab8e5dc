import type { SearchMatch, SearchSummary } from '@cubicle/protocol';
import { useEffect, useRef, useState } from 'react';
import { describeError } from '../../api/error-messages';
import { SEARCH_DEBOUNCE_MS } from '../../tuning';
import type { TextLocation } from '../editor/open-document';
import { useReplSession } from '../repl-session';
import { replaceAll, type SearchQuery } from './replace-text';

interface FileHits {
  path: string;
  matches: SearchMatch[];
}

const globs = (text: string) =>
  text
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean);

/**
 * Search across files (ripgrep in the runner): results stream in file by file as they are
 * found; a click opens the hit at its line. Replace rewrites every file that matched through
 * the runner's file operations, each against the version it read (a file changed meanwhile is
 * skipped and named, never overwritten).
 */
export function SearchView({ onOpenAt }: { onOpenAt(path: string, at: TextLocation): void }) {
  const { connection } = useReplSession();
  const [q, setQ] = useState<SearchQuery>({ query: '', regex: false, caseSensitive: false, wholeWord: false });
  const [include, setInclude] = useState('');
  const [exclude, setExclude] = useState('');
  const [replacement, setReplacement] = useState('');
  const [hits, setHits] = useState<FileHits[]>([]);
  const [summary, setSummary] = useState<SearchSummary | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [searchCount, setSearchCount] = useState(0);
  const current = useRef<string | null>(null);

  useEffect(
    () =>
      connection.on('search:result', (push) => {
        if (push.id === current.current) setHits((h) => [...h, { path: push.path, matches: push.matches }]);
      }),
    [connection],
  );

  // Search as the person types (after a short pause), and again after a replace.
  // biome-ignore lint/correctness/useExhaustiveDependencies: searchCount re-runs the search on purpose
  useEffect(() => {
    setHits([]);
    setSummary(null);
    setProblem(null);
    if (!q.query) {
      current.current = null;
      return;
    }
    const id = `s${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const timer = setTimeout(() => {
      current.current = id;
      setBusy(true);
      connection
        .request('search:start', { id, ...q, include: globs(include), exclude: globs(exclude) })
        .then(
          (s) => current.current === id && setSummary(s),
          (err: unknown) => current.current === id && setProblem(describeError(err)),
        )
        .finally(() => current.current === id && setBusy(false));
    }, SEARCH_DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      if (current.current === id) connection.send('search:cancel', { id });
    };
  }, [connection, q, include, exclude, searchCount]);

  const replaceEverywhere = async () => {
    setBusy(true);
    const skipped: string[] = [];
    let replaced = 0;
    for (const { path } of hits) {
      try {
        const file = await connection.request('fetchContent', { path });
        if (file.encoding !== 'utf8') continue;
        const next = replaceAll(file.content, q, replacement);
        if (next.count === 0) continue;
        await connection.request('updateContent', { path, content: next.text, baseVersion: file.version });
        replaced += next.count;
      } catch (err) {
        skipped.push(`${path} (${describeError(err)})`);
      }
    }
    setBusy(false);
    setProblem(skipped.length ? `Replaced ${replaced}; not replaced in ${skipped.join(', ')}` : null);
    setSearchCount((n) => n + 1);
  };

  const toggle = (key: 'regex' | 'caseSensitive' | 'wholeWord', label: string, title: string) => (
    <button
      type="button"
      className="search-toggle"
      aria-pressed={q[key]}
      aria-label={title}
      title={title}
      onClick={() => setQ((s) => ({ ...s, [key]: !s[key] }))}
    >
      {label}
    </button>
  );
  const total = hits.reduce((n, f) => n + f.matches.length, 0);
  return (
    <div className="search-view">
      <div className="search-inputs">
        <div className="search-row">
          <input
            aria-label="Search in files"
            placeholder="Search"
            value={q.query}
            onChange={(e) => setQ((s) => ({ ...s, query: e.target.value }))}
            spellCheck={false}
          />
          {toggle('caseSensitive', 'Aa', 'Match case')}
          {toggle('wholeWord', 'ab', 'Match whole word')}
          {toggle('regex', '.*', 'Use regular expression')}
        </div>
        <div className="search-row">
          <input
            aria-label="Replace with"
            placeholder="Replace"
            value={replacement}
            onChange={(e) => setReplacement(e.target.value)}
            spellCheck={false}
          />
          <button type="button" disabled={busy || total === 0} onClick={() => void replaceEverywhere()}>
            Replace all
          </button>
        </div>
        <input
          aria-label="Files to include"
          placeholder="Files to include (e.g. src/**, *.ts)"
          value={include}
          onChange={(e) => setInclude(e.target.value)}
        />
        <input
          aria-label="Files to exclude"
          placeholder="Files to exclude"
          value={exclude}
          onChange={(e) => setExclude(e.target.value)}
        />
      </div>
      <div className="search-summary muted" role="status">
        {problem ??
          (summary
            ? `${summary.matches} result${summary.matches === 1 ? '' : 's'} in ${summary.files} file${summary.files === 1 ? '' : 's'}${summary.truncated ? ' (the first ones only: narrow the search)' : ''}`
            : busy
              ? 'Searching…'
              : '')}
      </div>
      <div className="search-results">
        {hits.map((file) => (
          <div key={file.path} className="search-file" data-path={file.path}>
            <div className="search-file-name" title={file.path}>
              {file.path} <span className="muted">{file.matches.length}</span>
            </div>
            {file.matches.map((m) => (
              <button
                type="button"
                key={`${m.line}:${m.column}`}
                className="search-hit"
                data-line={m.line}
                onClick={() => onOpenAt(file.path, { line: m.line, column: m.column, length: m.end - m.start })}
              >
                <span className="search-line muted">{m.line}</span>
                <span className="search-preview">
                  {m.preview.slice(0, m.start)}
                  <mark>{m.preview.slice(m.start, m.end)}</mark>
                  {m.preview.slice(m.end)}
                </span>
              </button>
            ))}
          </div>
        ))}
      </div>
    </div>
  );
}
