/**
 * `npm start`: the app on this machine with its local Azure — Azurite for state, the emulator for ARM,
 * Azure DevOps, GitHub, webhook sinks, the identity provider and Key Vault — on loopback.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, isAbsolute, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { isAppError } from '../src/errors.js';
import { parsePolicyYaml } from '../src/policy/document.js';
import { settingDefaults } from '../src/settingDefaults.js';
import { startAzurite, type AzuriteHandle } from './azurite.js';
import { movedSettings, removeEndpointsFile, runningPlaygroundIn, writeEndpointsFile } from './endpointsFile.js';
import type { EventSubscription } from './emulator/eventgrid.js';
import { LOCAL_TENANT_ID, PLAYGROUND_API } from './emulator/idp.js';
import { startEmulator } from './emulator/server.js';
import { eventGridWebhookUrl, HOST_KEYS_FILE, readOrCreateHostKeys, type HostKeys } from './host/hostKeys.js';
import { onEachLine } from './outputLines.js';
import { DEFAULT_EMULATOR_URL, policyForEmulator } from './playgroundPolicy.js';
import { DEFAULT_DEV_PORTS, DEV_PORT_SETTINGS, LOOPBACK, ensurePortFree, findFreePort, readDevPorts, waitForListening } from './ports.js';

export type AppRunner = 'func' | 'host';

export interface StartPlaygroundOptions {
  /** The project folder: holds `local.settings(.sample).json`; `.aml-warden/dev` receives the emulator's CA. Default: cwd. */
  readonly cwd?: string;
  /** The compiled tree holding `src/index.js` and `dev/host/main.js`. Default: `<cwd>/dist`. */
  readonly distDir?: string;
  /** 0 = a free port. Defaults: 7071, 7443, 10002, 10001. */
  readonly appPort?: number;
  readonly emulatorPort?: number;
  readonly azuritePort?: number;
  readonly azuriteQueuePort?: number;
  /** Azure Functions Core Tools when `func` is on PATH, else the offline host. */
  readonly runner?: AppRunner | 'auto';
  /** Where the children's output goes, already prefixed (`[app] ...`). Default: stdout. */
  readonly log?: (line: string) => void;
  readonly startTimeoutMs?: number;
  /** The shell's environment: a setting set there wins over `local.settings.json`, as under Core Tools. Default: process.env. */
  readonly environment?: Readonly<Record<string, string | undefined>>;
}

export interface Playground {
  readonly appUrl: string;
  readonly emulatorUrl: string;
  readonly caFile: string;
  /** `.aml-warden/dev/endpoints.json`: where this playground listens, for the CLI and `dev token`; removed by `stop()`. */
  readonly endpointsFile: string;
  /** The policy the settings name, and the copy of it the app reads, its CD targets on this emulator. */
  readonly policy: { readonly source: string; readonly effective: string };
  readonly azurite: Pick<AzuriteHandle, 'tableUrl' | 'port' | 'reused' | 'pid'>;
  readonly runner: AppRunner;
  /** The app host's master and system keys (`.aml-warden/dev/host-keys.json`). */
  readonly keysFile: string;
  /** Processes started for the playground (Azurite, the app), for supervision and checks. */
  readonly pids: readonly number[];
  /** Resolves with the reason when the app's process ends on its own. */
  readonly appExited: Promise<string>;
  stop(): Promise<void>;
}

/** The Event Grid event types the Azure ML system topic publishes to `amlEvents` unfiltered. */
export const AML_EVENT_TYPES = [
  'Microsoft.MachineLearningServices.ModelRegistered',
  'Microsoft.MachineLearningServices.ModelDeployed',
  'Microsoft.MachineLearningServices.RunCompleted',
  'Microsoft.MachineLearningServices.DatasetDriftDetected',
] as const;

/**
 * The playground's Event Grid subscriptions, as `infra/` creates them: ResourceWriteSuccess to `resourceEvents`;
 * the Azure ML events to `amlEvents`, RunStatusChanged — raised on every status change — only when it failed.
 */
export function playgroundEventSubscriptions(appUrl: string, keys: HostKeys): EventSubscription[] {
  const eventgrid = (functionName: string): string => eventGridWebhookUrl(appUrl, functionName, keys);
  return [
    { endpoint: eventgrid('resourceEvents'), eventTypes: ['Microsoft.Resources.ResourceWriteSuccess'], functionName: 'resourceEvents' },
    { endpoint: eventgrid('amlEvents'), eventTypes: [...AML_EVENT_TYPES], functionName: 'amlEvents' },
    {
      endpoint: eventgrid('amlEvents'),
      eventTypes: ['Microsoft.MachineLearningServices.RunStatusChanged'],
      advancedFilters: [{ key: 'data.runStatus', stringIn: ['Failed'] }],
      name: 'amlEvents-failed-runs',
    },
  ];
}

const LOCAL_SETTINGS = 'local.settings.json';
const LOCAL_SETTINGS_SAMPLE = 'local.settings.sample.json';
const CA_FILE_NAME = 'emulator-ca.pem';
/** The copy of the policy the app reads: the settings' policy with its CD targets on the running emulator. */
const EFFECTIVE_POLICY_FILE = 'effective-policy.yaml';
const DEFAULT_AZURITE_TABLE_URL = `http://${LOOPBACK}:${DEFAULT_DEV_PORTS.azurite}/`;
const DEFAULT_APP_URL = `http://${LOOPBACK}:${DEFAULT_DEV_PORTS.app}`;
/** Settings holding file paths, resolved against the project folder so any working directory works. */
const PATH_SETTINGS = ['AML_WARDEN_POLICY', 'AML_WARDEN_TLS_CA_FILE'] as const;

const localSettingsSchema = z.object({
  IsEncrypted: z.boolean().optional(),
  Values: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).default({}),
});

/** Creates `local.settings.json` from the sample when missing (Core Tools reads it) and returns its `Values`. */
export function ensureLocalSettings(cwd: string): { values: Record<string, string>; created: boolean } {
  const target = join(cwd, LOCAL_SETTINGS);
  let created = false;
  if (!existsSync(target)) {
    const sample = join(cwd, LOCAL_SETTINGS_SAMPLE);
    if (!existsSync(sample)) throw new Error(`Neither ${LOCAL_SETTINGS} nor ${LOCAL_SETTINGS_SAMPLE} found in ${cwd}`);
    copyFileSync(sample, target, fsConstants.COPYFILE_EXCL);
    created = true;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(target, 'utf8'));
  } catch (error) {
    throw new Error(`${target} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = localSettingsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${target}: ${issue === undefined ? 'invalid' : `${issue.path.join('.') || '(root)'}: ${issue.message}`}`);
  }
  return { values: parsed.data.Values, created };
}

export interface PlaygroundEndpoints {
  readonly cwd: string;
  readonly emulatorUrl: string;
  readonly caFile: string;
  readonly azuriteConnectionString: string;
  readonly azuriteTableUrl: string;
  /** The app's own address, when known: links the app writes (the console's, in cards) name the port in use. */
  readonly appUrl?: string;
}

/**
 * The app's environment for the playground: the `Values` of local.settings.json, with the playground's default
 * addresses moved to the ports actually in use, the state pointed at this Azurite, relative paths made absolute,
 * and the emulator's CA trusted by Node. Values that point elsewhere (a real Azure endpoint) are left alone.
 */
export function playgroundEnvironment(values: Readonly<Record<string, string>>, endpoints: PlaygroundEndpoints): Record<string, string> {
  const env: Record<string, string> = {};
  const azuriteBase = `${endpoints.azuriteTableUrl.replace(/\/devstoreaccount1\/?$/, '')}/`;
  for (const [name, value] of Object.entries(values)) {
    const moved = value.split(DEFAULT_EMULATOR_URL).join(endpoints.emulatorUrl).split(DEFAULT_AZURITE_TABLE_URL).join(azuriteBase);
    env[name] = endpoints.appUrl === undefined ? moved : moved.split(DEFAULT_APP_URL).join(endpoints.appUrl);
  }
  const localDefaults: Record<string, string> = {
    AML_WARDEN_ARM_ENDPOINT: endpoints.emulatorUrl,
    AML_WARDEN_CREDENTIAL: 'local',
    AML_WARDEN_LOCAL_IDP_URL: `${endpoints.emulatorUrl}/idp`,
    AML_WARDEN_KEYVAULT_URL: endpoints.emulatorUrl,
    AML_WARDEN_AUTH_AUTHORITY: `${endpoints.emulatorUrl}/idp`,
    AML_WARDEN_AUTH_TENANT_ID: LOCAL_TENANT_ID,
    AML_WARDEN_AUTH_CLIENT_ID: PLAYGROUND_API.clientId,
    AML_WARDEN_AUTH_APP_ID_URI: PLAYGROUND_API.appIdUri,
    AML_WARDEN_TLS_CA_FILE: endpoints.caFile,
  };
  for (const [name, value] of Object.entries(localDefaults)) env[name] ??= value;
  if (env['AML_WARDEN_STATE_TABLE_URL'] === undefined || env['AML_WARDEN_STATE_TABLE_URL'] === '') {
    delete env['AML_WARDEN_STATE_TABLE_URL'];
    env['AML_WARDEN_STATE_CONNECTION_STRING'] = endpoints.azuriteConnectionString;
  }
  // The queues the app's queue-triggered functions listen to and its use cases send to: this Azurite's, unless
  // an identity-based connection to a real account is configured.
  if ((env['AML_WARDEN_QUEUE__queueServiceUri'] ?? '') === '') env['AML_WARDEN_QUEUE'] = endpoints.azuriteConnectionString;
  for (const name of PATH_SETTINGS) {
    const value = env[name];
    if (value !== undefined && value !== '' && !isAbsolute(value)) env[name] = resolve(endpoints.cwd, value);
  }
  env['NODE_EXTRA_CA_CERTS'] = endpoints.caFile;
  return env;
}

/** `local.settings.json` `Values`, with each setting the shell sets (non-empty) taking precedence. */
export function withShellOverrides(
  values: Readonly<Record<string, string>>,
  environment: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const merged: Record<string, string> = { ...values };
  for (const name of Object.keys(values)) {
    const fromShell = environment[name];
    if (fromShell !== undefined && fromShell !== '') merged[name] = fromShell;
  }
  return merged;
}

interface PlaygroundPolicy {
  /** Absolute. */
  readonly file: string;
  readonly text: string;
}

/**
 * The policy the settings name (`AML_WARDEN_POLICY`, relative to the project folder; the app's default when unset),
 * read and validated. An invalid one fails with every problem the policy loader reports, naming the file and the
 * setting that chose it: the app could not serve with it.
 */
function readValidPolicy(cwd: string, values: Readonly<Record<string, string>>, environment: Readonly<Record<string, string | undefined>>): PlaygroundPolicy {
  const setting = 'AML_WARDEN_POLICY';
  const fromShell = (environment[setting] ?? '').trim();
  const fromFile = (values[setting] ?? '').trim();
  // As for every setting: the shell wins over local.settings.json.
  const [path, chosenBy] =
    fromShell !== ''
      ? [fromShell, `${setting}, exported in the shell`]
      : fromFile !== ''
        ? [fromFile, `${setting} in ${LOCAL_SETTINGS}`]
        : [settingDefaults[setting], `the default of ${setting}`];
  const file = resolve(cwd, path);
  const shown = relative(cwd, file) || file;
  const cannotServe = `The app cannot serve until its policy is fixed: ${shown} (${chosenBy}).`;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`${cannotServe}\n${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'There is no such file.' : 'It cannot be read.'}`);
  }
  try {
    parsePolicyYaml(text, shown);
  } catch (error) {
    if (!isAppError(error)) throw error;
    throw new Error([cannotServe, ...everyProblem(error.message, error.details), `Fix ${shown}, then run npm start again.`].join('\n'));
  }
  return { file, text };
}

/** The error's message, and each of its details the message does not already say. */
function everyProblem(message: string, details: readonly { target: string; message: string }[]): string[] {
  const said = (detail: { target: string; message: string }): boolean =>
    message.includes(detail.target) && message.includes(detail.message.replace(/ \(line \d+, column \d+\)$/, ''));
  return [message, ...details.filter((detail) => !said(detail)).map((detail) => `  ${detail.target}: ${detail.message}`)];
}

/** Writes the copy of the policy the app reads, its CD targets on the running emulator; returns its path. */
function writeEffectivePolicy(cwd: string, policy: PlaygroundPolicy, emulatorUrl: string): string {
  const folder = join(cwd, '.aml-warden', 'dev');
  mkdirSync(folder, { recursive: true });
  const file = join(folder, EFFECTIVE_POLICY_FILE);
  const source = relative(cwd, policy.file) || policy.file;
  const text = policyForEmulator(policy.text, emulatorUrl);
  // At the end, so every line stays where it is in the source.
  const note = `# npm start wrote this copy of ${source} for the emulator at ${emulatorUrl}; edit ${source}, not this file.\n`;
  writeFileSync(file, `${text}${text.endsWith('\n') ? '' : '\n'}${note}`);
  return file;
}

/** Whether an executable named `name` is on PATH. */
export function findOnPath(name: string, env: Readonly<Record<string, string | undefined>> = process.env): string | undefined {
  const extensions = process.platform === 'win32' ? (env['PATHEXT'] ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const folder of (env['PATH'] ?? '').split(delimiter)) {
    if (folder === '') continue;
    for (const extension of extensions) {
      const candidate = join(folder, name + extension);
      try {
        accessSync(candidate, fsConstants.X_OK);
        return candidate;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

/** Starts Azurite (reused when already listening on its port), the emulator and the app. */
export async function startPlayground(options: StartPlaygroundOptions = {}): Promise<Playground> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const distDir = resolve(cwd, options.distDir ?? 'dist');
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const runner: AppRunner = options.runner === undefined || options.runner === 'auto' ? (findOnPath('func') ? 'func' : 'host') : options.runner;
  const timeoutMs = options.startTimeoutMs ?? 60_000;

  const environment = options.environment ?? process.env;
  const { values: fileValues, created } = ensureLocalSettings(cwd);
  const values = withShellOverrides(fileValues, environment);
  if (created) log(`[start] created ${LOCAL_SETTINGS} from ${LOCAL_SETTINGS_SAMPLE}`);
  const other = runningPlaygroundIn(cwd);
  if (other !== undefined) {
    throw new Error(
      `A playground already runs from ${cwd} (npm start, pid ${other.pid}; emulator ${other.emulator.url}, app ${other.app.url}). ` +
        'Stop it first: two would share .aml-warden/dev/ (the CA file, the endpoints file).',
    );
  }
  // Before anything starts: an app whose policy is invalid cannot serve.
  const policy = readValidPolicy(cwd, values, environment);
  if (runner === 'host') {
    for (const file of [join(distDir, 'dev', 'host', 'main.js'), join(distDir, 'src', 'index.js')]) {
      if (!existsSync(file)) throw new Error(`${file} is missing; run npm run build first`);
    }
  }

  const requestedAppPort = options.appPort ?? DEFAULT_DEV_PORTS.app;
  const requestedEmulatorPort = options.emulatorPort ?? DEFAULT_DEV_PORTS.emulator;
  if (requestedAppPort !== 0) await ensurePortFree(requestedAppPort, 'the Functions app', DEV_PORT_SETTINGS.app);
  if (requestedEmulatorPort !== 0) await ensurePortFree(requestedEmulatorPort, 'the emulator', DEV_PORT_SETTINGS.emulator);
  // The emulator's Event Grid subscriptions need the app's address before the app starts.
  const appPort = requestedAppPort === 0 ? await findFreePort() : requestedAppPort;
  const appUrl = `http://${LOOPBACK}:${appPort}`;
  // The host's keys, kept across restarts like Azure keeps them: the Event Grid webhook needs its system key.
  const keysFile = join(cwd, '.aml-warden', 'dev', HOST_KEYS_FILE);
  const keys = readOrCreateHostKeys(keysFile);

  const cleanups: (() => Promise<void>)[] = [];
  const stopAll = async (): Promise<void> => {
    const failures: unknown[] = [];
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0) throw new AggregateError(failures, 'the playground did not stop cleanly');
  };

  try {
    const azuritePort = options.azuritePort ?? DEFAULT_DEV_PORTS.azurite;
    const azurite = await startAzurite({
      port: azuritePort,
      queuePort: options.azuriteQueuePort ?? (azuritePort === 0 ? 0 : DEFAULT_DEV_PORTS.azuriteQueue),
      reuseIfListening: azuritePort !== 0,
      log: (line) => log(`[azurite] ${line}`),
    });
    cleanups.push(() => azurite.close());

    const emulator = await startEmulator({
      port: requestedEmulatorPort,
      seed: 'playground',
      certDir: join(cwd, '.aml-warden', 'dev'),
      eventSubscriptions: playgroundEventSubscriptions(appUrl, keys),
      log: (line: string) => log(`[emulator] ${line}`),
    });
    cleanups.push(() => emulator.close());
    const caFile = emulator.caFile ?? join(cwd, '.aml-warden', 'dev', CA_FILE_NAME);
    const effectivePolicy = writeEffectivePolicy(cwd, policy, emulator.url);

    const env = {
      ...playgroundEnvironment(values, {
        cwd,
        emulatorUrl: emulator.url,
        caFile,
        azuriteConnectionString: azurite.connectionString,
        azuriteTableUrl: azurite.tableUrl,
        appUrl,
      }),
      AML_WARDEN_POLICY: effectivePolicy,
    };
    const app = spawnApp(runner, { cwd, distDir, port: appPort, env, log, keysFile });
    cleanups.push(() => app.stop());
    await waitForListening(appPort, { timeoutMs, label: 'The Functions app', abortReason: app.exitReason });

    // Last, so it names only what listens; removed first when the playground stops.
    const startedAt = new Date().toISOString();
    const endpointsFile = writeEndpointsFile(cwd, {
      version: 1,
      pid: process.pid,
      startedAt,
      folder: cwd,
      app: { url: appUrl },
      emulator: { url: emulator.url, idpUrl: `${emulator.url}/idp`, caFile },
      azurite: { tableUrl: azurite.tableUrl, queueUrl: azurite.queueUrl, connectionString: azurite.connectionString, reused: azurite.reused },
      policy: { source: policy.file, effective: effectivePolicy },
      settings: movedSettings(fileValues, values, env),
    });
    cleanups.push(async () => removeEndpointsFile(cwd, startedAt));

    const pids = [azurite.pid, app.pid].filter((pid): pid is number => pid !== undefined);
    return {
      appUrl,
      keysFile,
      emulatorUrl: emulator.url,
      caFile,
      endpointsFile,
      policy: { source: policy.file, effective: effectivePolicy },
      azurite: { tableUrl: azurite.tableUrl, port: azurite.port, reused: azurite.reused, pid: azurite.pid },
      runner,
      pids,
      appExited: app.exited,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll().catch(() => {});
    throw error;
  }
}

interface AppProcess {
  readonly pid: number | undefined;
  readonly exited: Promise<string>;
  exitReason(): string | undefined;
  stop(): Promise<void>;
}

function spawnApp(
  runner: AppRunner,
  input: { cwd: string; distDir: string; port: number; env: Record<string, string>; log: (line: string) => void; keysFile: string },
): AppProcess {
  const [command, args] =
    runner === 'func'
      ? ['func', ['start', '--port', String(input.port)]]
      : [
          process.execPath,
          [join(input.distDir, 'dev', 'host', 'main.js'), '--port', String(input.port), '--entry', join(input.distDir, 'src', 'index.js'), '--keys-file', input.keysFile],
        ];
  // Its own process group: Core Tools starts a worker of its own, and stopping the group leaves no orphan.
  const child = spawn(command, args, {
    cwd: input.cwd,
    env: { ...process.env, ...input.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: process.platform !== 'win32',
    windowsHide: true,
  });
  return superviseChild(child, 'app', input.log);
}

function superviseChild(child: ChildProcess, name: string, log: (line: string) => void): AppProcess {
  let reason: string | undefined;
  const signalGroup = (signal: NodeJS.Signals): void => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      if (process.platform === 'win32') child.kill(signal);
      else process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  const killOnParentExit = (): void => signalGroup('SIGKILL');
  process.once('exit', killOnParentExit);
  const exited = new Promise<string>((resolveExit) => {
    child.once('exit', (code, signal) => {
      reason = `exited with ${signal ?? `code ${String(code)}`}`;
      resolveExit(reason);
    });
    child.once('error', (error) => {
      reason = error.message;
      resolveExit(reason);
    });
  });
  // The group can outlive its leader (a worker of Core Tools); still clean it up then.
  void exited.then(() => {
    signalGroup('SIGKILL');
    process.removeListener('exit', killOnParentExit);
  });
  for (const stream of [child.stdout, child.stderr]) {
    if (stream !== null) onEachLine(stream, (line) => log(`[${name}] ${line}`));
  }
  return {
    pid: child.pid,
    exited,
    exitReason: () => reason,
    stop: async () => {
      if (reason !== undefined) return;
      signalGroup('SIGTERM');
      const timer = setTimeout(() => signalGroup('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
      // Whatever is left in the group (a worker that ignored SIGTERM) goes too.
      try {
        if (child.pid !== undefined && process.platform !== 'win32') process.kill(-child.pid, 'SIGKILL');
      } catch {
        // the group is empty
      }
    },
  };
}

/** What `npm start` prints once everything listens. */
export function describePlayground(
  playground: Pick<Playground, 'appUrl' | 'emulatorUrl' | 'caFile' | 'azurite' | 'runner' | 'keysFile' | 'endpointsFile' | 'policy'>,
  cwd: string,
): string[] {
  const shown = (file: string): string => relative(cwd, file) || file;
  const caFile = shown(playground.caFile);
  return [
    '',
    'aml-warden playground is running',
    `  app        ${playground.appUrl}  (${playground.runner === 'func' ? 'Azure Functions Core Tools' : 'offline host'})`,
    `  functions  ${playground.appUrl}/api/...   Event Grid: ${playground.appUrl}/runtime/webhooks/eventgrid?functionName=<name>&code=<key>`,
    `  console    ${playground.appUrl}/api/console/  (sign in as requester@contoso.com, approver@contoso.com or ops@contoso.com)`,
    `  host keys  ${relative(cwd, playground.keysFile) || playground.keysFile}  (the webhook's eventgrid_extension system key, the admin API's master key)`,
    `  emulator   ${playground.emulatorUrl}  (ARM, Azure DevOps, GitHub, sinks, identity provider, Key Vault; CA ${caFile})`,
    `  azurite    ${playground.azurite.tableUrl}${playground.azurite.reused ? '  (already running, reused)' : ''}`,
    `  policy     ${shown(playground.policy.source)}  (the app reads ${shown(playground.policy.effective)}: its CD targets on ${playground.emulatorUrl})`,
    `  endpoints  ${shown(playground.endpointsFile)}  (these addresses, for aml-warden and aml-warden dev token)`,
    '',
    'Try:',
    `  curl ${playground.appUrl}/api/health`,
    '  npx aml-warden dev token --user requester@contoso.com --role ComputeRequester',
    `  curl ${playground.emulatorUrl}/sink/teams --cacert ${caFile}`,
    '',
    'Ctrl-C stops everything.',
  ];
}

async function main(): Promise<number> {
  const cwd = process.cwd();
  const ports = readDevPorts();
  const playground = await startPlayground({ cwd, appPort: ports.app, emulatorPort: ports.emulator, azuritePort: ports.azurite, azuriteQueuePort: ports.azuriteQueue });
  for (const line of describePlayground(playground, cwd)) process.stdout.write(`${line}\n`);

  return await new Promise<number>((resolveExit) => {
    let stopping = false;
    const stop = (code: number): void => {
      if (stopping) return;
      stopping = true;
      process.stdout.write('[start] stopping...\n');
      playground.stop().then(
        () => resolveExit(code),
        (error: unknown) => {
          process.stderr.write(`[start] ${error instanceof Error ? error.message : String(error)}\n`);
          resolveExit(1);
        },
      );
    };
    process.on('SIGINT', () => stop(0));
    process.on('SIGTERM', () => stop(0));
    void playground.appExited.then((reason) => {
      if (stopping) return;
      process.stderr.write(`[start] the app ${reason}; stopping the playground\n`);
      stop(1);
    });
  });
}

const isEntry = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isEntry) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      for (const line of (error instanceof Error ? error.message : String(error)).split('\n')) process.stderr.write(`[start] ${line}\n`);
      process.exit(1);
    },
  );
}
