import { describe, expect, it } from 'vitest';
import { terminalStreamUrl } from './terminal-stream';

describe('terminalStreamUrl', () => {
  it('opens the stream on the runner host, over wss behind https', () => {
    expect(terminalStreamUrl('https://abc.runner.cubicle.example', 'T_k-1')).toBe(
      'wss://abc.runner.cubicle.example/api/terminal-stream?ticket=T_k-1',
    );
    expect(terminalStreamUrl('http://abc.runner.localhost:8080/', 'x')).toBe(
      'ws://abc.runner.localhost:8080/api/terminal-stream?ticket=x',
    );
  });

  it('ignores any path on the runner address: the stream path is absolute', () => {
    expect(terminalStreamUrl('http://h:1/socket.io/', 'x')).toBe('ws://h:1/api/terminal-stream?ticket=x');
  });
});
