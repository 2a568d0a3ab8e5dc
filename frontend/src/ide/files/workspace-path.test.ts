import { describe, expect, it } from 'vitest';
import { validateName } from './workspace-path';

describe('validateName', () => {
  it('takes a name or a relative path whose folders are made', () => {
    expect(validateName('app.js')).toBeNull();
    expect(validateName('src/app.js')).toBeNull();
    expect(validateName('.env')).toBeNull();
  });

  it('says why a name cannot be used', () => {
    expect(validateName('  ')).toMatch(/required/);
    expect(validateName('/etc/passwd')).toMatch(/leading \//);
    expect(validateName('src/')).toMatch(/end with \//);
    expect(validateName('a//b')).toMatch(/\/\//);
    expect(validateName('../up')).toMatch(/\.\./);
    expect(validateName('a\\b')).toMatch(/not \\/);
    expect(validateName('x'.repeat(256))).toMatch(/too long/);
  });
});
