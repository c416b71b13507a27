/**
 * `node dist/dev/host/main.js [--port 7071] [--entry dist/src/index.js] [--host 127.0.0.1] [--no-timers] [--keys-file FILE]`:
 * the offline Functions host as a process, with the app settings it inherits from its environment.
 * Prints the functions and their URLs like Core Tools and stops cleanly on SIGINT/SIGTERM.
 */
import { HOST_USAGE, parseHostCommandLine, type HostCommandLine } from './hostCommandLine.js';
import { describeFunctions, startHost } from './host.js';
import { readOrCreateHostKeys } from './hostKeys.js';

async function main(): Promise<void> {
  let commandLine: HostCommandLine;
  try {
    commandLine = parseHostCommandLine(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${HOST_USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  const host = await startHost({
    entry: commandLine.entry,
    port: commandLine.port,
    host: commandLine.host,
    timers: commandLine.timers,
    ...(commandLine.keysFile === undefined ? {} : { keys: readOrCreateHostKeys(commandLine.keysFile) }),
  });
  const lines = describeFunctions(host).map((line) => `  ${line}`);
  process.stdout.write(`\nFunctions:\n\n${lines.length > 0 ? lines.join('\n') : '  (none)'}\n\n`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) process.exit(130); // a second signal: stop now
    stopping = true;
    process.stdout.write(`Received ${signal}; stopping the host.\n`);
    host.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`The host did not stop cleanly: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`The host failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
