/**
 * The graphic rendition (colours and text attributes) that SGR sequences leave in force, kept
 * as a value so it can be written back as one short sequence. The scrollback archive needs it:
 * a line kept as text is replayed on its own, so it must begin by setting the attributes it
 * began with, however many sequences before it made them.
 *
 * It follows xterm.js: the codes it knows (bold through overline, 16/256/RGB colours, colon
 * sub-parameters) and the ones it ignores.
 */

/** The attribute getters of an xterm cell (`IBufferCell`), or of the parser's current attributes. */
export interface CellAttributes {
  isBold(): number;
  isDim(): number;
  isItalic(): number;
  isUnderline(): number;
  isBlink(): number;
  isInverse(): number;
  isInvisible(): number;
  isStrikethrough(): number;
  isOverline(): number;
  isFgRGB(): boolean;
  isBgRGB(): boolean;
  isFgPalette(): boolean;
  isBgPalette(): boolean;
  getFgColor(): number;
  getBgColor(): number;
}

/** Codes that switch a flag on, and the code that switches each off. */
const FLAG_OFF: Record<number, number[]> = {
  22: [1, 2],
  23: [3],
  24: [4],
  25: [5],
  27: [7],
  28: [8],
  29: [9],
  55: [53],
};
const FLAGS = new Set([1, 2, 3, 4, 5, 7, 8, 9, 53]);

/** An SGR sequence, its parameters captured. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching terminal control characters is the point
export const SGR = /\x1b\[([0-9;:]*)m/g;

export class SgrState {
  private flags = new Set<number>();
  private fg: number[] | null = null;
  private bg: number[] | null = null;
  private underlineColour: number[] | null = null;

  /** The attributes an xterm cell (or the parser's current attributes) holds. */
  static of(cell: CellAttributes): SgrState {
    const state = new SgrState();
    const flags: Array<[number, number]> = [
      [cell.isBold(), 1],
      [cell.isDim(), 2],
      [cell.isItalic(), 3],
      [cell.isUnderline(), 4],
      [cell.isBlink(), 5],
      [cell.isInverse(), 7],
      [cell.isInvisible(), 8],
      [cell.isStrikethrough(), 9],
      [cell.isOverline(), 53],
    ];
    for (const [on, code] of flags) if (on) state.flags.add(code);
    state.fg = colourOf(cell.isFgRGB(), cell.isFgPalette(), cell.getFgColor(), 30);
    state.bg = colourOf(cell.isBgRGB(), cell.isBgPalette(), cell.getBgColor(), 40);
    return state;
  }

  /** Applies every SGR sequence in `text` (anything else in it is ignored). */
  apply(text: string): this {
    if (!text.includes('\x1b')) return this;
    for (const match of text.matchAll(SGR)) this.applyParams(match[1] ?? '');
    return this;
  }

  /** One sequence that sets these attributes from the defaults; '' when they are the defaults. */
  toString(): string {
    const params = [...[...this.flags].sort((a, b) => a - b), ...(this.fg ?? []), ...(this.bg ?? [])];
    if (this.underlineColour) params.push(...this.underlineColour);
    return params.length === 0 ? '' : `\x1b[${params.join(';')}m`;
  }

  private applyParams(params: string): void {
    const tokens = params === '' ? ['0'] : params.split(';');
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i] as string;
      if (token.includes(':')) {
        this.applySubParams(token.split(':').map((p) => Number(p || 0)));
        continue;
      }
      const code = Number(token || 0);
      if (code === 38 || code === 48 || code === 58) {
        const mode = Number(tokens[i + 1]);
        const length = mode === 5 ? 1 : mode === 2 ? 3 : -1;
        if (length === -1) return; // malformed: xterm stops reading the sequence too
        this.setColour(code, [code, mode, ...tokens.slice(i + 2, i + 2 + length).map((p) => Number(p || 0))]);
        i += 1 + length;
      } else {
        this.applyCode(code);
      }
    }
  }

  /** `38:2::r:g:b`, `38:5:n`, `4:3` (an underline style): one parameter with its sub-parameters. */
  private applySubParams(parts: number[]): void {
    const [code, mode] = parts as [number, number | undefined];
    if (code === 38 || code === 48 || code === 58) {
      if (mode === 5) this.setColour(code, [code, 5, parts[2] ?? 0]);
      // `38:2:<colour space>:r:g:b`, the colour space often left out as `38:2:r:g:b`
      else if (mode === 2)
        this.setColour(code, [code, 2, ...parts.slice(parts.length >= 6 ? 3 : 2, parts.length >= 6 ? 6 : 5)]);
    } else if (code === 4) {
      if (mode === 0) this.flags.delete(4);
      else this.flags.add(4);
    } else {
      this.applyCode(code);
    }
  }

  private applyCode(code: number): void {
    if (code === 0) {
      this.flags.clear();
      this.fg = null;
      this.bg = null;
      this.underlineColour = null;
    } else if (FLAGS.has(code)) {
      this.flags.add(code);
    } else if (code === 21) {
      this.flags.add(4); // double underline: xterm.js draws an underline
    } else if (FLAG_OFF[code]) {
      for (const flag of FLAG_OFF[code] ?? []) this.flags.delete(flag);
    } else if ((code >= 30 && code <= 37) || (code >= 90 && code <= 97)) {
      this.fg = [code];
    } else if ((code >= 40 && code <= 47) || (code >= 100 && code <= 107)) {
      this.bg = [code];
    } else if (code === 39) {
      this.fg = null;
    } else if (code === 49) {
      this.bg = null;
    } else if (code === 59) {
      this.underlineColour = null;
    }
  }

  private setColour(code: number, params: number[]): void {
    if (code === 38) this.fg = params;
    else if (code === 48) this.bg = params;
    else this.underlineColour = params;
  }
}

/** A colour as SGR parameters: `base` is 30 (foreground) or 40 (background); null is the default. */
function colourOf(rgb: boolean, palette: boolean, colour: number, base: number): number[] | null {
  if (rgb) return [base + 8, 2, (colour >>> 16) & 0xff, (colour >>> 8) & 0xff, colour & 0xff];
  if (!palette) return null;
  if (colour >= 16) return [base + 8, 5, colour];
  return [colour & 8 ? base + 60 + (colour & 7) : base + (colour & 7)];
}
