import { describe, expect, it } from 'vitest';
import { guessRunCommand, runFromConfig } from './run-command';

describe('the Run button command', () => {
  it('takes run from cubicle.json', () => {
    expect(runFromConfig('{ "run": "npm start", "env": { "A": "1" } }')).toEqual({
      command: 'npm start',
      source: 'cubicle.json',
    });
  });

  it('says why a broken cubicle.json cannot be used', () => {
    expect(runFromConfig('{ "run": ')).toMatchObject({ error: expect.stringContaining('not valid JSON') });
    expect(runFromConfig('{ "run": 42 }')).toMatchObject({ error: expect.stringContaining('run') });
    expect(runFromConfig('{ "processes": { "../x": "node w.js" } }')).toMatchObject({
      error: expect.stringContaining('processes'),
    });
  });

  it('falls back to a guess when run is absent', () => {
    expect(runFromConfig('{ "ignore": [] }')).toBeNull();
    expect(guessRunCommand(['README.md', 'package.json', 'main.py'])).toBe('npm start');
    expect(guessRunCommand(['main.py'])).toBe('python3 main.py');
    expect(guessRunCommand(['index.html', 'style.css'])).toContain('http.server');
    expect(guessRunCommand(['notes.txt'])).toBeNull();
  });
});
