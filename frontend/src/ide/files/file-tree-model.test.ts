import type { FileEntry } from '@cubicle/protocol';
import { describe, expect, it } from 'vitest';
import { applyChanges, dirLoaded, emptyTree, loadedOpenDirs, toggleExpanded, visibleRows } from './file-tree-model';

const file = (path: string): FileEntry => ({
  name: path.split('/').pop() ?? path,
  path,
  type: 'file',
  size: 1,
  mtimeMs: 0,
});
const dir = (path: string): FileEntry => ({ ...file(path), type: 'dir' });
const names = (s: ReturnType<typeof emptyTree>) => visibleRows(s).map((r) => `${'  '.repeat(r.depth)}${r.entry.name}`);

describe('file tree model', () => {
  const loaded = dirLoaded(emptyTree(), '', [file('b.txt'), dir('src'), file('a10.js'), file('a2.js')]);

  it('lists folders first, then names in human order', () => {
    expect(names(loaded)).toEqual(['src', 'a2.js', 'a10.js', 'b.txt']);
  });

  it('fetches a folder the first time it opens, not the second', () => {
    const opened = toggleExpanded(loaded, 'src');
    expect(opened.needsFetch).toBe(true);
    const withKids = dirLoaded(opened.state, 'src', [file('src/index.js')]);
    expect(names(withKids)).toEqual(['src', '  index.js', 'a2.js', 'a10.js', 'b.txt']);
    const closed = toggleExpanded(withKids, 'src');
    expect(names(closed.state)).toEqual(['src', 'a2.js', 'a10.js', 'b.txt']);
    expect(toggleExpanded(closed.state, 'src').needsFetch).toBe(false);
  });

  it('shows files made in the shell (touch, mkdir) in sorted place, once', () => {
    const next = applyChanges(loaded, [
      { type: 'add', path: 'from-shell.txt' },
      { type: 'addDir', path: 'build' },
      { type: 'add', path: 'from-shell.txt' }, // duplicate events must not duplicate rows
    ]);
    expect(names(next)).toEqual(['build', 'src', 'a2.js', 'a10.js', 'b.txt', 'from-shell.txt']);
  });

  it('ignores changes under folders never fetched (they load fresh when opened)', () => {
    const next = applyChanges(loaded, [{ type: 'add', path: 'src/new.js' }]);
    expect(next.dirs.has('src')).toBe(false);
    expect(names(next)).toEqual(names(loaded));
  });

  it('removes deleted files, and a deleted folder with everything known under it', () => {
    let s = dirLoaded(toggleExpanded(loaded, 'src').state, 'src', [dir('src/lib')]);
    s = dirLoaded(toggleExpanded(s, 'src/lib').state, 'src/lib', [file('src/lib/x.js')]);
    s = applyChanges(s, [
      { type: 'unlink', path: 'b.txt' },
      { type: 'unlink', path: 'src/lib/x.js' },
      { type: 'unlinkDir', path: 'src/lib' },
      { type: 'unlinkDir', path: 'src' },
    ]);
    expect(names(s)).toEqual(['a2.js', 'a10.js']);
    expect([...s.dirs.keys()]).toEqual(['']);
    expect(loadedOpenDirs(s)).toEqual(['']);
  });

  it('treats a rename as unlink + add: the row moves', () => {
    const next = applyChanges(loaded, [
      { type: 'unlink', path: 'b.txt' },
      { type: 'add', path: 'aaa.txt' },
    ]);
    expect(names(next)).toEqual(['src', 'a2.js', 'a10.js', 'aaa.txt']);
  });
});
