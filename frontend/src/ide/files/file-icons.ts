/** A small badge per file type: recognisable at a glance without an icon font. */
export interface FileIcon {
  glyph: string;
  color: string;
}

const BY_EXTENSION: Record<string, FileIcon> = {
  js: { glyph: 'JS', color: '#e8d44d' },
  mjs: { glyph: 'JS', color: '#e8d44d' },
  cjs: { glyph: 'JS', color: '#e8d44d' },
  jsx: { glyph: 'JSX', color: '#61dafb' },
  ts: { glyph: 'TS', color: '#3178c6' },
  tsx: { glyph: 'TSX', color: '#3178c6' },
  py: { glyph: 'PY', color: '#4b8bbe' },
  json: { glyph: '{}', color: '#cbcb41' },
  html: { glyph: '<>', color: '#e44d26' },
  htm: { glyph: '<>', color: '#e44d26' },
  css: { glyph: '#', color: '#563d7c' },
  scss: { glyph: '#', color: '#c6538c' },
  md: { glyph: 'M↓', color: '#519aba' },
  sh: { glyph: '$', color: '#89e051' },
  bash: { glyph: '$', color: '#89e051' },
  go: { glyph: 'GO', color: '#00add8' },
  rs: { glyph: 'RS', color: '#dea584' },
  rb: { glyph: 'RB', color: '#cc342d' },
  java: { glyph: 'J', color: '#b07219' },
  c: { glyph: 'C', color: '#555555' },
  h: { glyph: 'H', color: '#555555' },
  cpp: { glyph: 'C++', color: '#f34b7d' },
  yml: { glyph: 'YML', color: '#cb171e' },
  yaml: { glyph: 'YML', color: '#cb171e' },
  toml: { glyph: 'TML', color: '#9c4221' },
  txt: { glyph: '≡', color: '#9da5b4' },
  svg: { glyph: '◇', color: '#ffb13b' },
  png: { glyph: '▣', color: '#a074c4' },
  jpg: { glyph: '▣', color: '#a074c4' },
  jpeg: { glyph: '▣', color: '#a074c4' },
  gif: { glyph: '▣', color: '#a074c4' },
};

const BY_NAME: Record<string, FileIcon> = {
  'package.json': { glyph: 'npm', color: '#cb3837' },
  'cubicle.json': { glyph: '▶', color: '#4fc08d' },
  Dockerfile: { glyph: 'DK', color: '#0db7ed' },
  '.gitignore': { glyph: 'git', color: '#f14e32' },
};

const DEFAULT: FileIcon = { glyph: '·', color: '#9da5b4' };

export function fileIcon(name: string): FileIcon {
  const byName = BY_NAME[name];
  if (byName) return byName;
  const dot = name.lastIndexOf('.');
  return (dot > 0 && BY_EXTENSION[name.slice(dot + 1).toLowerCase()]) || DEFAULT;
}
