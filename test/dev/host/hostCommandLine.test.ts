import { describe, expect, test } from 'vitest';
import { parseHostCommandLine } from '../../../dev/host/hostCommandLine.js';

describe('the host command line', () => {
  test('defaults to port 7071, the built app entry, loopback and timers on', () => {
    expect(parseHostCommandLine([])).toEqual({ port: 7071, entry: 'dist/src/index.js', host: '127.0.0.1', timers: true });
  });

  test('reads the port, entry and --no-timers', () => {
    expect(parseHostCommandLine(['--port', '0', '--entry', 'dist/test/app.js', '--no-timers'])).toMatchObject({ port: 0, entry: 'dist/test/app.js', timers: false });
  });

  test('refuses a port that is not one and unknown options', () => {
    expect(() => parseHostCommandLine(['--port', '70710'])).toThrow(/--port/);
    expect(() => parseHostCommandLine(['--port', 'abc'])).toThrow(/--port/);
    expect(() => parseHostCommandLine(['--verbose'])).toThrow();
  });
});
