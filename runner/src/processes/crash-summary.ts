/** Lines of a crashed process's output that only say where (stack frames, carets, runtime banners). */
const WHERE_ONLY = [
  /^\s+at\s/, // Node, Java, C# stack frames
  /^\s+File ".*", line \d+/, // Python frames
  /^\s*\^+\s*$/, // the caret under the failing code
  /^Node\.js v\d+/, // Node's closing banner
  /^\s*$/,
  /^\s*\.\.\. \d+ (more|lines matching)/,
];

/** A line that names what went wrong: `Error: boom`, `TypeError: …`, `panic: …`, `fatal: …`. */
const HEADLINE = /(^|\b)([A-Z]\w*(Error|Exception)\b|panic:|fatal:|Traceback)/;

/**
 * The one line a person needs from a crashed process's last output: the error's headline
 * (`Error: boom`), never the stack frames after it. Falls back to the last line that is not a
 * frame, cut to a readable length.
 */
export function crashSummary(lines: readonly string[], maxChars = 200): string | null {
  const useful = lines.map((l) => l.trimEnd()).filter((l) => !WHERE_ONLY.some((p) => p.test(l)));
  const headline = useful.findLast((l) => HEADLINE.test(l) && !/^Traceback/.test(l)) ?? useful.at(-1);
  if (!headline) return null;
  const line = headline.trim();
  return line.length > maxChars ? `${line.slice(0, maxChars - 1)}…` : line;
}
