/**
 * The CLI's settings, found as Azure Functions Core Tools finds them — the environment, and for every setting it
 * leaves unset, the `Values` of `local.settings.json` in the current folder — with one addition for the local
 * playground: while `npm start` runs from the folder, a value of local.settings.json that `npm start` replaced when it
 * started the app (the playground's default addresses, moved to the ports actually in use; the policy, pointed at
 * the copy whose CD targets name the running emulator) is replaced the same way, so the CLI talks to the playground
 * the app runs in. What the environment sets, and what the file says once edited, still win.
 *
 * Every setting's source is recorded (`SettingsProvenance`), so a failure to reach an endpoint can say where its
 * address came from. Only supplies an environment; `config.ts` still validates it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { settingDefaults } from '../settingDefaults.js';
import { readPlaygroundStatus, settingFingerprint, type PlaygroundStatus } from './playgroundEndpoints.js';

export const LOCAL_SETTINGS_FILE = 'local.settings.json';

/** Where one setting's value came from. */
export type SettingSource =
  /** Set (non-blank) in the process's environment. */
  | { readonly kind: 'environment' }
  | { readonly kind: 'localSettings'; readonly file: string }
  /** From the endpoints file of the `npm start` running from this folder (pid), in place of local.settings.json's value when it had one. */
  | { readonly kind: 'playground'; readonly file: string; readonly pid: number; readonly inPlaceOfLocalSettings: boolean }
  /** A command-line option (`--idp`). */
  | { readonly kind: 'option'; readonly option: string }
  /** Not set anywhere: the built-in default. */
  | { readonly kind: 'default' };

/** The outside services the CLI reaches through its settings. */
export type ServiceKind = 'arm' | 'identityProvider' | 'keyVault' | 'table' | 'queue';

/** One address a setting names: never credentials or a query string (a SAS), only scheme, host, port and path. */
export interface EndpointOrigin {
  readonly service: ServiceKind;
  readonly url: string;
  /** The setting (or option) that names it. */
  readonly setting: string;
  readonly source: SettingSource;
}

/** A setting that names a file, with its source. */
export interface FileSetting {
  readonly setting: string;
  readonly path: string;
  readonly source: SettingSource;
}

export interface SettingsProvenance {
  /** The source of each setting that has a value; a setting not listed is unset (its default applies). */
  readonly sources: Readonly<Record<string, SettingSource>>;
  /** The addresses the settings name. */
  readonly endpoints: readonly EndpointOrigin[];
  /** The CA file trusted for them, when one is set. */
  readonly caFile: FileSetting | undefined;
  /** The policy file (its CD targets and channels name addresses too). */
  readonly policyFile: FileSetting | undefined;
  /** The playground `npm start` runs from this folder, as its endpoints file says. */
  readonly playground: PlaygroundStatus;
}

export interface CliEnvironment {
  /** What `loadConfig` reads. */
  readonly env: NodeJS.ProcessEnv;
  /** The local.settings.json that was read, absolute; undefined when the folder has none. */
  readonly settingsFile: string | undefined;
  /** Names taken from the file (set there, not in the environment, not replaced by the playground's). */
  readonly fromFile: readonly string[];
  readonly provenance: SettingsProvenance;
}

export interface CliEnvironmentOptions {
  /** Whether the `npm start` that wrote the endpoints file still runs (default: its process exists). */
  readonly isRunning?: (pid: number) => boolean;
}

const localSettingsSchema = z.object({
  IsEncrypted: z.boolean().optional(),
  Values: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).optional(),
});

const isSet = (value: string | undefined): value is string => value !== undefined && value.trim() !== '';

/**
 * The environment merged with `<cwd>/local.settings.json` `Values` and the running playground's endpoints:
 * 1. a variable the environment sets (non-blank) wins;
 * 2. else, where `npm start` runs from `cwd` and replaced this setting's local.settings.json value (or its absence)
 *    when it started the app, and the file still says the same, the value the app runs with;
 * 3. else the file's value.
 */
export function cliEnvironment(processEnv: NodeJS.ProcessEnv, cwd: string, options: CliEnvironmentOptions = {}): CliEnvironment {
  const file = join(cwd, LOCAL_SETTINGS_FILE);
  const values = readLocalSettingsValues(file);
  const playground = readPlaygroundStatus(cwd, options.isRunning);
  const running = playground.state === 'running' ? playground.endpoints : undefined;

  const env: NodeJS.ProcessEnv = { ...processEnv };
  const sources: Record<string, SettingSource> = {};
  const fromFile: string[] = [];
  const names = new Set([...Object.keys(settingDefaults), ...Object.keys(values ?? {}), ...Object.keys(running?.settings ?? {})]);
  for (const name of names) {
    if (isSet(processEnv[name])) {
      sources[name] = { kind: 'environment' };
      continue;
    }
    const fileValue = values?.[name];
    const moved = running?.settings[name];
    if (running !== undefined && moved !== undefined && moved.inPlaceOf === (fileValue === undefined ? null : settingFingerprint(fileValue))) {
      env[name] = moved.value;
      sources[name] = { kind: 'playground', file: playground.file, pid: running.pid, inPlaceOfLocalSettings: fileValue !== undefined };
      continue;
    }
    if (fileValue === undefined) continue;
    env[name] = fileValue;
    fromFile.push(name);
    if (isSet(fileValue)) sources[name] = { kind: 'localSettings', file };
  }
  const provenance: SettingsProvenance = {
    sources,
    endpoints: endpointsNamedBy(env, sources),
    caFile: fileSetting('AML_WARDEN_TLS_CA_FILE', env, sources),
    policyFile: fileSetting('AML_WARDEN_POLICY', env, sources),
    playground,
  };
  return { env, settingsFile: values === undefined ? undefined : file, fromFile, provenance };
}

/** The file's `Values`, or undefined when there is no such file. Never echoes the file's text: it holds secrets. */
export function readLocalSettingsValues(file: string): Record<string, string> | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw invalidFile(file, 'cannot be read');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    // JSON.parse's message may quote the text; report only where it broke.
    const position = /position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
    throw invalidFile(file, `is not valid JSON${position === undefined ? '' : ` (${lineAndColumn(text, Number(position))})`}`);
  }
  const parsed = localSettingsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalidFile(file, `${issue === undefined || issue.path.length === 0 ? 'must be a JSON object' : `${issue.path.join('.')}: ${issue.message}`}`);
  }
  if (parsed.data.IsEncrypted === true) throw invalidFile(file, 'is encrypted (IsEncrypted: true); the CLI reads only plain Values');
  return parsed.data.Values ?? {};
}

/** Where a setting came from, for people: `the environment`, a file, `--idp`, ... */
export function describeSource(source: SettingSource): string {
  switch (source.kind) {
    case 'environment':
      return 'the environment';
    case 'localSettings':
      return source.file;
    case 'playground':
      return `${source.file}, written by npm start (pid ${source.pid})${source.inPlaceOfLocalSettings ? ` in place of ${LOCAL_SETTINGS_FILE}'s value` : ''}`;
    case 'option':
      return `the option ${source.option}`;
    case 'default':
      return 'its default';
  }
}

/** One line per address the settings name, with its source: what `--verbose` shows. Holds no secret. */
export function describeEndpoints(provenance: SettingsProvenance): string[] {
  return provenance.endpoints.map((endpoint) => `${endpoint.setting} ${endpoint.url} (from ${describeSource(endpoint.source)})`);
}

/** The settings that name an address, and how to read the address out of each. */
const ENDPOINT_SETTINGS: readonly { readonly setting: keyof typeof settingDefaults; readonly service: ServiceKind; readonly urlOf: (value: string) => string | undefined }[] = [
  { setting: 'AML_WARDEN_ARM_ENDPOINT', service: 'arm', urlOf: plainUrl },
  { setting: 'AML_WARDEN_LOCAL_IDP_URL', service: 'identityProvider', urlOf: plainUrl },
  { setting: 'AML_WARDEN_KEYVAULT_URL', service: 'keyVault', urlOf: plainUrl },
  { setting: 'AML_WARDEN_STATE_CONNECTION_STRING', service: 'table', urlOf: (value) => storageEndpoint(value, 'table') },
  { setting: 'AML_WARDEN_STATE_TABLE_URL', service: 'table', urlOf: plainUrl },
  { setting: 'AML_WARDEN_QUEUE', service: 'queue', urlOf: (value) => storageEndpoint(value, 'queue') },
  { setting: 'AML_WARDEN_QUEUE__queueServiceUri', service: 'queue', urlOf: plainUrl },
];

function endpointsNamedBy(env: NodeJS.ProcessEnv, sources: Readonly<Record<string, SettingSource>>): EndpointOrigin[] {
  const endpoints: EndpointOrigin[] = [];
  for (const { setting, service, urlOf } of ENDPOINT_SETTINGS) {
    const given = env[setting];
    const value = isSet(given) ? given.trim() : settingDefaults[setting];
    const url = value === undefined ? undefined : urlOf(value);
    if (url !== undefined) endpoints.push({ service, url, setting, source: sources[setting] ?? { kind: 'default' } });
  }
  return endpoints;
}

function fileSetting(setting: keyof typeof settingDefaults, env: NodeJS.ProcessEnv, sources: Readonly<Record<string, SettingSource>>): FileSetting | undefined {
  const given = env[setting];
  const path = isSet(given) ? given.trim() : settingDefaults[setting];
  return path === undefined ? undefined : { setting, path, source: sources[setting] ?? { kind: 'default' } };
}

/** Scheme, host, port and path of a URL; undefined when it is not one. */
function plainUrl(value: string): string | undefined {
  if (!URL.canParse(value)) return undefined;
  const url = new URL(value);
  return `${url.protocol}//${url.host}${url.pathname}`.replace(/\/+$/, '');
}

/**
 * The Table or Queue endpoint of a storage connection string, as the storage SDKs derive it (Microsoft Learn,
 * "Configure a connection string for an Azure storage account", MicrosoftDocs/azure-docs
 * `articles/storage/common/storage-configure-connection-string.md`): an explicit `TableEndpoint` / `QueueEndpoint`;
 * `UseDevelopmentStorage=true`, the emulator's well-known address on 127.0.0.1 (Table 10002, Queue 10001);
 * otherwise `{protocol}://{AccountName}.{table|queue}.{EndpointSuffix}`.
 */
function storageEndpoint(connectionString: string, service: 'table' | 'queue'): string | undefined {
  const parts = new Map<string, string>();
  for (const part of connectionString.split(';')) {
    const at = part.indexOf('=');
    if (at > 0) parts.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim());
  }
  const explicit = parts.get(service === 'table' ? 'tableendpoint' : 'queueendpoint');
  if (explicit !== undefined) return plainUrl(explicit);
  if (parts.get('usedevelopmentstorage')?.toLowerCase() === 'true') return `http://127.0.0.1:${service === 'table' ? 10002 : 10001}/devstoreaccount1`;
  const account = parts.get('accountname');
  if (account === undefined) return undefined;
  return plainUrl(`${parts.get('defaultendpointsprotocol') ?? 'https'}://${account}.${service}.${parts.get('endpointsuffix') ?? 'core.windows.net'}`);
}

function lineAndColumn(text: string, position: number): string {
  const before = text.slice(0, position).split('\n');
  return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}

function invalidFile(file: string, problem: string): AppError {
  return new AppError('ConfigurationError', `${file} ${problem}`, { target: LOCAL_SETTINGS_FILE, module: 'cli' });
}
