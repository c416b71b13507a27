/**
 * The `aml-warden` command (`npx aml-warden [--verbose] COMMAND ...`), run with the app's settings: the environment,
 * and — as Azure Functions Core Tools does — `local.settings.json` `Values` from the current folder for whatever the
 * environment leaves unset. `--verbose` says where the settings came from.
 *
 *   replay <event-file> [--dry-run]   runs the events in a file (an Event Grid or CloudEvents delivery: one event
 *                                     or an array) through the same use cases as the functions, with the
 *                                     configured policy; --dry-run prints each decision and acts on nothing.
 *
 * Each command is one entry of `commands`; its handler gets the remaining arguments and returns the exit code.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { App } from './composition.js';
import type { DomainEventKind } from './events/domainEvent.js';
import { AppError, ensureError } from './errors.js';

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Relative file arguments are resolved against it. */
  readonly cwd: string;
}

export interface CliOptions {
  /** The app to run with; default: composed from `env` and `<cwd>/local.settings.json`. */
  readonly app?: App;
  /** The environment the settings are read from first; default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

/** What a command gets besides its arguments: the app, composed on first use (so usage errors come first). */
interface CommandContext {
  loadApp(): Promise<App>;
}

const defaultIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: process.cwd(),
};

class UsageError extends Error {}

type Command = (args: readonly string[], io: CliIo, context: CommandContext) => Promise<number>;

const commands: Readonly<Record<string, { readonly usage: string; readonly run: Command }>> = {
  replay: { usage: 'replay <event-file> [--dry-run]   run an event file through the use cases; --dry-run acts on nothing', run: replay },
  sweep: { usage: 'sweep [--subscription ID ...] [--mode audit|enforce] [--format table|json]   the compliance sweep', run: async (args, io, context) => (await import('./cli/sweepCommand.js')).runSweepCommand(args, io, context) },
  'what-if': { usage: 'what-if [--subscription ID ...] [--format table|json]   what enforce mode would change; writes nothing', run: async (args, io, context) => (await import('./cli/sweepCommand.js')).runWhatIfCommand(args, io, context) },
};

const USAGE = `usage: aml-warden [--verbose] <command> [options]

commands:
${Object.values(commands)
  .map((command) => `  ${command.usage}`)
  .join('\n')}
  dev ...                            the local playground (see \`aml-warden dev help\`)

Settings come from the environment and, for those it does not set, from local.settings.json (Values) in the
current folder. --verbose (anywhere on the line) says which file was used.
`;

const VERBOSE_FLAGS = new Set(['--verbose', '-v']);

/** Runs one command line (without the program name); returns the process exit code. */
export async function runCli(argv: readonly string[], io: CliIo = defaultIo, options: CliOptions = {}): Promise<number> {
  const end = argv.indexOf('--');
  const flags = end === -1 ? argv : argv.slice(0, end);
  const verbose = flags.some((arg) => VERBOSE_FLAGS.has(arg));
  const [name, ...rest] = [...flags.filter((arg) => !VERBOSE_FLAGS.has(arg)), ...(end === -1 ? [] : argv.slice(end))];
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.stdout(USAGE);
    return name === undefined ? 1 : 0;
  }
  const command = commands[name];
  if (command === undefined) {
    io.stderr(`aml-warden: unknown command '${name}'\n${USAGE}`);
    return 2;
  }
  let built: Promise<App> | undefined;
  const context: CommandContext = { loadApp: () => (built ??= appFor(options, io, verbose)) };
  try {
    return await command.run(rest, io, context);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`aml-warden ${name}: ${error.message}\nusage: aml-warden ${command.usage}\n`);
      return 2;
    }
    io.stderr(`aml-warden ${name}: ${ensureError(error).message}\n`);
    return 1;
  }
}

/** The given app, or the app composed from the environment plus `<cwd>/local.settings.json`. */
async function appFor(options: CliOptions, io: CliIo, verbose: boolean): Promise<App> {
  if (options.app !== undefined) return options.app;
  const [{ cliEnvironment }, { loadConfig }, { composeApp }] = await Promise.all([
    import('./cli/localSettings.js'),
    import('./config.js'),
    import('./composition.js'),
  ]);
  const { env, settingsFile, fromFile } = cliEnvironment(options.env ?? process.env, io.cwd);
  if (verbose) {
    io.stderr(
      settingsFile === undefined
        ? `settings: the environment (no local.settings.json in ${io.cwd})\n`
        : `settings: the environment, and ${settingsFile} for ${fromFile.length} setting(s) it does not set\n`,
    );
  }
  try {
    return composeApp(loadConfig(env));
  } catch (error) {
    if (error instanceof AppError && error.code === 'ConfigurationError' && settingsFile === undefined) {
      throw new AppError('ConfigurationError', `${error.message} (the CLI reads settings from the environment and from local.settings.json in the current folder; ${io.cwd} has none)`, {
        ...(error.target === undefined ? {} : { target: error.target }),
        module: 'cli',
        details: error.details,
        cause: error,
      });
    }
    throw error;
  }
}

/** The kinds whose use cases honour a dry run (or act on nothing); any other kind is reported, not run, in a dry run. */
const DRY_RUN_KINDS: ReadonlySet<DomainEventKind> = new Set([
  'ModelRegistered',
  'RunStatusChanged',
  'RunCompleted',
  'ModelDeployed',
  'DatasetDriftDetected',
  'ResourceWriteSuccess',
  'SubscriptionValidation',
  'Unknown',
]);

async function replay(args: readonly string[], io: CliIo, context: CommandContext): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...args], options: { 'dry-run': { type: 'boolean', default: false } }, allowPositionals: true, strict: true });
  const [file, ...extra] = positionals;
  if (file === undefined) throw new UsageError('an event file is required');
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0] ?? ''}'`);
  const dryRun = values['dry-run'] === true;

  const path = resolve(io.cwd, file);
  let body: unknown;
  try {
    body = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read events from ${path}: ${ensureError(error).message}`);
  }
  const [{ parseDelivery }, { routeEvent }, { escapeUnsafe, forLog, plainLog }] = await Promise.all([import('./events/parseDelivery.js'), import('./eventIntake/routeEvent.js'), import('./shared/log.js')]);
  const events = parseDelivery(body);
  const app = await context.loadApp();
  const log = plainLog(quietLog(io));
  let failures = 0;
  for (const event of events) {
    // The file's strings go to a terminal: escaped, so a control sequence in a subject cannot rewrite the screen.
    const label = `${forLog(event.id)} ${event.kind} ${forLog(event.subject)}`;
    if (dryRun && !DRY_RUN_KINDS.has(event.kind)) {
      io.stdout(`${label}: not replayed in a dry run (its use case has no dry run)\n`);
      continue;
    }
    try {
      const outcome = await routeEvent(event, async () => app, log, { dryRun });
      io.stdout(`${label}: ${escapeUnsafe(outcome.reason)}\n`);
    } catch (error) {
      failures += 1;
      io.stdout(`${label}: failed: ${escapeUnsafe(ensureError(error).message)}\n`);
    }
  }
  await app.telemetry.flush();
  return failures === 0 ? 0 : 1;
}

/** Use cases log as they go; the command prints one line per decision, so only warnings and errors are shown. */
function quietLog(io: CliIo): { info(...args: unknown[]): void; warn(...args: unknown[]): void; error(...args: unknown[]): void } {
  const write = (level: string, args: unknown[]) => io.stderr(`${level}: ${String(args[0])}\n`);
  return { info: () => {}, warn: (...args) => write('warning', args), error: (...args) => write('error', args) };
}
