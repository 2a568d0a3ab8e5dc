import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import serializePkg from '@xterm/addon-serialize';
import headlessPkg from '@xterm/headless';
import { SgrState } from './sgr-state.js';

/** How xterm shows an `X` written after `sequences`: its serialization. */
async function rendered(sequences: string): Promise<string> {
  const term = new headlessPkg.Terminal({ cols: 10, rows: 1, allowProposedApi: true });
  const serializer = new serializePkg.SerializeAddon();
  term.loadAddon(serializer);
  await new Promise<void>((resolve) => term.write(`${sequences}X`, resolve));
  const shown = serializer.serialize();
  term.dispose();
  return shown;
}

let seed = 11;
const random = (n: number) => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed % n;
};
const PARAMS = [
  '0',
  '',
  '1',
  '2',
  '3',
  '4',
  '5',
  '7',
  '8',
  '9',
  '21',
  '22',
  '23',
  '24',
  '25',
  '27',
  '28',
  '29',
  '53',
  '55',
  '31',
  '97',
  '39',
  '42',
  '103',
  '49',
  '38;5;200',
  '48;5;17',
  '38;2;10;20;30',
  '48;2;250;0;7',
  '38:2::1:2:3',
  '48:5:99',
  '4:3',
  '4:0',
  '58;5;3',
  '59',
];

describe('SgrState', () => {
  it('sets with one sequence what any run of SGR sequences set, as xterm shows it', async () => {
    for (let run = 0; run < 300; run++) {
      const sequences = Array.from({ length: 1 + random(6) }, () => {
        const params = Array.from({ length: 1 + random(3) }, () => PARAMS[random(PARAMS.length)]);
        return `\x1b[${params.join(';')}m`;
      }).join('');
      const state = new SgrState().apply(`text ${sequences} more`).toString();
      assert.equal(await rendered(state), await rendered(sequences), JSON.stringify(sequences));
    }
  });

  it('reads the attributes of an xterm cell back as a sequence', async () => {
    const term = new headlessPkg.Terminal({ cols: 10, rows: 1, allowProposedApi: true });
    const sequences = '\x1b[1;3;4;7;38;2;1;2;3;48;5;100m';
    await new Promise<void>((resolve) => term.write(`${sequences}X`, resolve));
    const cell = term.buffer.active.getLine(0)?.getCell(0);
    assert.ok(cell);
    assert.equal(await rendered(SgrState.of(cell).toString()), await rendered(sequences));
    assert.equal(SgrState.of(term.buffer.active.getNullCell()).toString(), '', 'defaults: nothing');
    term.dispose();
  });
});
