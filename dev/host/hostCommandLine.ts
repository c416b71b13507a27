import { parseArgs } from 'node:util';

export const HOST_USAGE = 'usage: main.js [--port 7071] [--entry dist/src/index.js] [--host 127.0.0.1] [--no-timers] [--keys-file FILE]';

export interface HostCommandLine {
  readonly port: number;
  readonly entry: string;
  readonly host: string;
  readonly timers: boolean;
  /** Where the host's master and system keys are kept (created when missing); absent: fresh keys for this run. */
  readonly keysFile: string | undefined;
}

/** Reads the host's command line; throws with a message naming the bad option. */
export function parseHostCommandLine(args: readonly string[]): HostCommandLine {
  const { values } = parseArgs({
    args: [...args],
    options: {
      port: { type: 'string', default: '7071' },
      entry: { type: 'string', default: 'dist/src/index.js' },
      host: { type: 'string', default: '127.0.0.1' },
      'no-timers': { type: 'boolean', default: false },
      'keys-file': { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const port = /^\d+$/.test(values.port) ? Number(values.port) : Number.NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a TCP port (0 = any free port), got '${values.port}'`);
  return { port, entry: values.entry, host: values.host, timers: !values['no-timers'], keysFile: values['keys-file'] };
}
