/** LSP's TextEdit: a range in 0-based lines and UTF-16 characters, and its replacement. */
export interface TextEdit {
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  newText: string;
}

/** `text` with every edit applied (LSP's edits of one file never overlap and refer to the text before any of them). */
export function applyTextEdits(text: string, edits: readonly TextEdit[]): string {
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const offset = ({ line, character }: { line: number; character: number }) => {
    if (line >= lineStarts.length) return text.length;
    const start = lineStarts[line] ?? 0;
    const end = line + 1 < lineStarts.length ? (lineStarts[line + 1] ?? text.length) - 1 : text.length;
    return Math.min(start + character, end);
  };
  const located = edits
    .map((e) => ({ from: offset(e.range.start), to: offset(e.range.end), insert: e.newText }))
    .sort((a, b) => b.from - a.from || b.to - a.to);
  let out = text;
  for (const e of located) out = out.slice(0, e.from) + e.insert + out.slice(e.to);
  return out;
}
