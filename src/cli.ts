/**
 * The `aml-warden` command (`npx aml-warden [--verbose] COMMAND ...`), built on commander: subcommands with
 * `--help`, `--version`, suggestions for typos, and the exit codes of `cli/exitCodes.ts`. It runs with the app's
 * settings: the environment and — as Azure Functions Core Tools does — `local.settings.json` `Values` from the
 * current folder for whatever the environment leaves unset, with the running playground's endpoints where `npm
 * start` moved them (`cli/localSettings.ts`). `--verbose` says where the settings came from.
 *
 * Each command's work is in its own module under `cli/`; this file only declares the commands and maps what
 * they throw to an exit code and one message, never a stack trace (unless `--verbose`).
 */
import { Command, CommanderError, Option } from 'commander';
import type { App } from './composition.js';
import { AppError, ensureError, isAppError } from './errors.js';
import { EXIT, EnvironmentError, UsageError } from './cli/exitCodes.js';
import type { SettingsProvenance } from './cli/localSettings.js';
import { REPORT_FORMATS, type ReportFormat } from './cli/reportOutput.js';
import type { FailOn } from './sweep/sweepReport.js';

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
  /** Following a planned sweep (tests shorten these). */
  readonly sweep?: import('./cli/sweepCommand.js').SweepCommandOptions;
}

const defaultIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: process.cwd(),
};

const VERBOSE_FLAGS = new Set(['--verbose', '-v']);

const EXIT_CODES_HELP = `
Exit codes:
  0  nothing to fail on
  1  findings (sweep/what-if, see --fail-on), policy problems (policy validate), failed events (replay)
  2  usage error
  3  environment or Azure error: settings, a service out of reach, a subscription or workspace not swept

Settings come from the environment and, for those it does not set, from local.settings.json (Values) in the
current folder, with the ports of a running \`npm start\`. --verbose (anywhere on the line) says which.
`;

/** What the commands share: the app, composed once on first use (so usage errors come first), and where its settings came from. */
class Session {
  #app: Promise<App> | undefined;
  provenance: SettingsProvenance | undefined;

  constructor(
    private readonly options: CliOptions,
    private readonly io: CliIo,
    readonly verbose: boolean,
  ) {}

  loadApp(): Promise<App> {
    return (this.#app ??= this.#compose());
  }

  async #compose(): Promise<App> {
    if (this.options.app !== undefined) return this.options.app;
    const [{ cliEnvironment, describeEndpoints }, { loadConfig }, { composeApp }, { findRefusedLocalEndpoint }] = await Promise.all([
      import('./cli/localSettings.js'),
      import('./config.js'),
      import('./composition.js'),
      import('./cli/localEndpointProbe.js'),
    ]);
    const { env, settingsFile, fromFile, provenance } = cliEnvironment(this.options.env ?? process.env, this.io.cwd);
    this.provenance = provenance;
    if (this.verbose) {
      this.io.stderr(
        settingsFile === undefined
          ? `settings: the environment (no local.settings.json in ${this.io.cwd})\n`
          : `settings: the environment, and ${settingsFile} for ${fromFile.length} setting(s) it does not set\n`,
      );
      for (const line of describeEndpoints(provenance)) this.io.stderr(`  ${line}\n`);
    }
    let app: App;
    try {
      app = composeApp(loadConfig(env));
    } catch (error) {
      if (error instanceof AppError && error.code === 'ConfigurationError' && settingsFile === undefined) {
        throw new AppError('ConfigurationError', `${error.message} (the CLI reads settings from the environment and from local.settings.json in the current folder; ${this.io.cwd} has none)`, {
          ...(error.target === undefined ? {} : { target: error.target }),
          module: 'cli',
          details: error.details,
          cause: error,
        });
      }
      throw error;
    }
    // A playground that is not running fails at once, naming the service and where its address came from,
    // rather than after the SDKs' retries.
    const refused = await findRefusedLocalEndpoint(provenance);
    if (refused !== undefined) throw new EnvironmentError(refused);
    return app;
  }
}

function collectSubscriptions(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((id) => id.trim()).filter((id) => id !== '')];
}

const subscriptionOption = () => new Option('--subscription <id>', 'a subscription to sweep (repeatable, or comma-separated); default: the policy\'s scope').argParser(collectSubscriptions);
const failOnOption = () =>
  new Option('--fail-on <what>', 'exit 1 on any non-compliant resource, only on findings enforce mode could fix, or never').choices(['violations', 'fixable', 'none']).default('violations');
const outputOption = (formats: readonly string[], fallback: string) => new Option('-o, --output <format>', 'output format').choices(formats).default(fallback);
// `--format` was the flag before `-o/--output`; still read, no longer shown.
const legacyFormatOption = () => new Option('--format <format>').choices(['table', 'json']).hideHelp();

function isFailOn(value: unknown): value is FailOn {
  return value === 'violations' || value === 'fixable' || value === 'none';
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], flag: string): T {
  const found = allowed.find((candidate) => candidate === value);
  if (found === undefined) throw new UsageError(`${flag} must be one of ${allowed.join(', ')}`);
  return found;
}

function subscriptionsOf(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((item): item is string => typeof item === 'string') && value.length > 0 ? value : undefined;
}

function buildProgram(io: CliIo, session: Session, options: CliOptions, done: (code: number) => void, version: string): Command {
  const program = new Command('aml-warden')
    .description('Governs Azure Machine Learning workspaces: compliance sweeps, what-if, policy checks, stored reports.')
    .version(version, '-V, --version')
    .option('-v, --verbose', 'say where the settings came from; show stack traces of unexpected errors')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr, outputError: (text, write) => write(text) })
    .exitOverride()
    .showSuggestionAfterError(true)
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', EXIT_CODES_HELP);

  program
    .command('sweep')
    .description('run the compliance sweep through the app\'s queues and print its report (notifies and stores nothing unless asked)')
    .addOption(subscriptionOption())
    .addOption(new Option('--mode <mode>', 'override every rule\'s mode: audit writes nothing, enforce fixes what it can').choices(['audit', 'enforce']))
    .addOption(outputOption(['table', 'json', 'markdown'], 'table'))
    .addOption(legacyFormatOption())
    .addOption(failOnOption())
    .option('--notify', 'send the summary to the violations channel')
    .option('--no-notify', 'do not notify (the default)')
    .option('--store', 'store the report with the scheduled ones (`report list`)')
    .option('--no-store', 'do not store the report (the default)')
    .action(async (values: Record<string, unknown>) => {
      const { runSweep } = await import('./cli/sweepCommand.js');
      const mode = values['mode'] === undefined ? undefined : oneOf(values['mode'], ['audit', 'enforce'] as const, '--mode');
      done(
        await runSweep(
          await session.loadApp(),
          {
            subscriptions: subscriptionsOf(values['subscription']),
            mode,
            output: oneOf(values['format'] ?? values['output'], ['table', 'json', 'markdown'] as const, '--output'),
            failOn: isFailOn(values['failOn']) ? values['failOn'] : 'violations',
            notify: values['notify'] === true,
            store: values['store'] === true,
          },
          io,
          options.sweep,
        ),
      );
    });

  program
    .command('what-if')
    .description('what enforce mode would change, worked out here; writes nothing')
    .addOption(subscriptionOption())
    .addOption(outputOption(['table', 'json', 'markdown'], 'table'))
    .addOption(legacyFormatOption())
    .addOption(failOnOption())
    .action(async (values: Record<string, unknown>) => {
      const { runWhatIf } = await import('./cli/sweepCommand.js');
      done(
        await runWhatIf(
          await session.loadApp(),
          {
            subscriptions: subscriptionsOf(values['subscription']),
            output: oneOf(values['format'] ?? values['output'], ['table', 'json', 'markdown'] as const, '--output'),
            failOn: isFailOn(values['failOn']) ? values['failOn'] : 'violations',
          },
          io,
        ),
      );
    });

  program
    .command('replay')
    .description('run the events of an Event Grid or CloudEvents file through the use cases')
    .argument('<event-file>', 'one event or an array, as Event Grid delivers them')
    .option('--dry-run', 'print each decision and act on nothing')
    .action(async (file: string, values: Record<string, unknown>) => {
      const { replay } = await import('./cli/replayCommand.js');
      done(await replay(file, values['dryRun'] === true, io, () => session.loadApp()));
    });

  const policy = program.command('policy').description('check and explain a policy file');
  policy
    .command('validate')
    .description('list every problem of a policy file with its line and column')
    .argument('<file>', 'the policy file (YAML)')
    .addOption(outputOption(['table', 'json'], 'table'))
    .action(async (file: string, values: Record<string, unknown>) => {
      const { policyValidate } = await import('./cli/policyCommands.js');
      done(await policyValidate(file, io, oneOf(values['output'], ['table', 'json'] as const, '--output')));
    });
  policy
    .command('explain')
    .description('print the rules in effect for each environment of a policy file')
    .argument('<file>', 'the policy file (YAML)')
    .addOption(outputOption(['table', 'json', 'markdown'], 'table'))
    .action(async (file: string, values: Record<string, unknown>) => {
      const { policyExplain } = await import('./cli/policyCommands.js');
      done(await policyExplain(file, io, oneOf(values['output'], ['table', 'json', 'markdown'] as const, '--output')));
    });

  const report = program.command('report').description('read back stored sweep reports');
  report
    .command('list')
    .description('the stored sweep reports, newest first')
    .addOption(new Option('--limit <n>', 'how many').argParser((value) => {
      const limit = Number(value);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError('--limit must be a whole number from 1 to 1000');
      return limit;
    }).default(20))
    .addOption(outputOption(['table', 'json'], 'table'))
    .action(async (values: Record<string, unknown>) => {
      const { listReports } = await import('./cli/reportCommands.js');
      const limit = typeof values['limit'] === 'number' ? values['limit'] : 20;
      done(await listReports(await session.loadApp(), { limit, output: oneOf(values['output'], ['table', 'json'] as const, '--output') }, io));
    });
  report
    .command('show')
    .description('one sweep report; -o html writes a page that opens with no network')
    .argument('<run>', "the run id (`report list`), or 'latest'")
    .addOption(outputOption(REPORT_FORMATS, 'table'))
    .action(async (run: string, values: Record<string, unknown>) => {
      const { showReport } = await import('./cli/reportCommands.js');
      done(await showReport(await session.loadApp(), run, oneOf<ReportFormat>(values['output'], REPORT_FORMATS, '--output'), io));
    });

  program
    .command('dev')
    .description('the local playground: tokens and more (`aml-warden dev help`)')
    .allowUnknownOption()
    .argument('[args...]')
    .action(() => {
      io.stderr('aml-warden dev: runs from a checkout of aml-warden (`npx aml-warden dev help` there)\n');
      done(EXIT.usage);
    });

  return program;
}

/** Commander's own errors are usage errors, except asking for help or the version. */
function commanderExit(error: CommanderError): number {
  if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  return EXIT.usage;
}

/** One message for what a command threw, and its exit code. */
async function reportFailure(error: unknown, command: string, io: CliIo, session: Session): Promise<number> {
  const prefix = `aml-warden${command === '' ? '' : ` ${command}`}`;
  if (error instanceof UsageError) {
    io.stderr(`${prefix}: ${error.message}\n(add --help for usage)\n`);
    return EXIT.usage;
  }
  if (session.provenance !== undefined) {
    const { explainUnreachable } = await import('./cli/endpointHint.js');
    const explained = explainUnreachable(error, session.provenance);
    if (explained !== undefined) {
      io.stderr(`${prefix}: ${explained}\n`);
      return EXIT.environment;
    }
  }
  const failure = ensureError(error);
  io.stderr(`${prefix}: ${failure.message}\n`);
  // An expected failure (settings, Azure's answer) is its message; anything else is a bug worth its stack on request.
  if (session.verbose && !(error instanceof EnvironmentError) && !isAppError(error) && failure.stack !== undefined) io.stderr(`${failure.stack}\n`);
  return EXIT.environment;
}

/** `sweep`, `policy validate`: the command a line runs, for its messages. */
function commandName(args: readonly string[]): string {
  const [first, second] = args.filter((arg) => !arg.startsWith('-'));
  return first === 'policy' || first === 'report' ? [first, second].filter((part) => part !== undefined).join(' ') : (first ?? '');
}

/** Runs one command line (without the program name); returns the process exit code. */
export async function runCli(argv: readonly string[], io: CliIo = defaultIo, options: CliOptions = {}): Promise<number> {
  const end = argv.indexOf('--');
  const flags = end === -1 ? argv : argv.slice(0, end);
  const verbose = flags.some((arg) => VERBOSE_FLAGS.has(arg));
  const args = [...flags.filter((arg) => !VERBOSE_FLAGS.has(arg)), ...(end === -1 ? [] : argv.slice(end))];
  const session = new Session(options, io, verbose);
  const { readAppVersion } = await import('./config.js');
  let code: number = EXIT.ok;
  const program = buildProgram(io, session, options, (result) => (code = result), readAppVersion());
  if (args.length === 0) {
    io.stderr(program.helpInformation());
    return EXIT.usage;
  }
  const command = commandName(args);
  try {
    await program.parseAsync(args, { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) return commanderExit(error);
    return reportFailure(error, command, io, session);
  }
}
