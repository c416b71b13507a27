/**
 * The one place that reads configuration: environment variables (app settings) and the policy file.
 * Everything is validated once; a bad value fails with a message naming the setting (or, for the
 * policy file, the path inside it) and never echoes the value, which may be a secret.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { AppError } from './errors.js';
import { parsePolicyYaml, type Policy } from './policy/document.js';
import { settingDefaults } from './settingDefaults.js';

export type CredentialKind = 'default' | 'local';

/** Where the state tables live: Azurite/a key-based account, or a Table service reached with the app's identity. */
export type StateSettings =
  | { readonly kind: 'connectionString'; readonly connectionString: string }
  | { readonly kind: 'tableUrl'; readonly url: string };

/** Where the work queues live: a connection string (Azurite, a key-based account), or the queue service with the app's identity. */
export type QueueSettings = { readonly kind: 'connectionString'; readonly connectionString: string } | { readonly kind: 'serviceUri'; readonly url: string };

/**
 * Which Entra ID access tokens the HTTP API accepts: those Entra issues for the API's app registration in the
 * tenant, in either token version (the registration's `accessTokenAcceptedVersion` decides which it gets).
 * Issuers and signing keys come from the tenant's discovery documents under `authority`.
 */
export interface AuthSettings {
  readonly tenantId: string;
  /** The API's application (client) ID: the `aud` of v2.0 tokens, and a possible `aud` of v1.0 ones. */
  readonly clientId: string;
  /** The API's Application ID URI: the other possible `aud` of v1.0 tokens. Default `api://{clientId}`. */
  readonly appIdUri: string;
  /** `https://login.microsoftonline.com` (or a national cloud's, or the local identity provider's), no trailing slash. */
  readonly authority: string;
}

/**
 * How the console signs people in (MSAL.js, authorization code with PKCE, as a single-page application registered in
 * Entra ID) and which token it asks for: what `GET /api/console/config.json` gives the browser. Nothing here is secret:
 * a single-page application is a public client.
 */
export interface ConsoleSettings {
  readonly tenantId: string;
  /** The console's app registration (its SPA redirect URI is the console's address); default the API's client ID. */
  readonly clientId: string;
  /** The delegated scope of the API the console asks for; default `{Application ID URI}/access_as_user`. */
  readonly apiScope: string;
  /** The tenant's authority, no trailing slash: default `{AML_WARDEN_AUTH_AUTHORITY}/{tenant}`. */
  readonly authority: string;
}

export interface Settings {
  /** `AML_WARDEN_POLICY` as given: relative to the app root, or absolute. */
  readonly policyPath: string;
  /** ARM base URL without a trailing slash. */
  readonly armEndpoint: string;
  readonly credential: CredentialKind;
  /** The local identity provider (no trailing slash); set when `credential` is `local`. */
  readonly localIdpUrl: string | undefined;
  /** `AZURE_CLIENT_ID`: the user-assigned managed identity to use, when there is one. */
  readonly managedIdentityClientId: string | undefined;
  /** `AML_WARDEN_TLS_CA_FILE` as given: relative to the app root, or absolute. */
  readonly tlsCaFile: string | undefined;
  readonly state: StateSettings;
  readonly tablePrefix: string;
  /** Key Vault URL without a trailing slash. */
  readonly keyVaultUrl: string | undefined;
  readonly secretTtlSeconds: number;
  readonly appInsightsConnectionString: string | undefined;
  /** NCRONTAB, six fields. */
  readonly sweepSchedule: string;
  /** NCRONTAB, six fields: how often pending compute requests past their window expire (and stalled ones are resumed). */
  readonly expirySchedule: string;
  /** The work queues (`AML_WARDEN_QUEUE`, or `AML_WARDEN_QUEUE__queueServiceUri`); undefined when neither is set. */
  readonly queue: QueueSettings | undefined;
  /** Bearer-token validation for the HTTP API; undefined when not configured. */
  readonly auth: AuthSettings | undefined;
  /** The console's sign-in; undefined when the API's token validation is not configured (there is nothing to sign in to). */
  readonly console: ConsoleSettings | undefined;
  /** The console's public address without a trailing slash, for links in notifications; undefined: they link elsewhere. */
  readonly consoleUrl: string | undefined;
  readonly eventsSecretName: string | undefined;
  /** The app role a bearer token must carry to deliver events to `POST /api/events` (Event Grid's delivery identity holds it). */
  readonly eventsRole: string;
  /** The most events one delivery to `POST /api/events` may carry. */
  readonly eventsMaxBatch: number;
  /** Azure ML studio base URL without a trailing slash. */
  readonly studioUrl: string;
  readonly httpTimeoutMs: number;
}

export interface Config {
  readonly settings: Settings;
  readonly policy: Policy;
  /** The policy file that was read, absolute. */
  readonly policySource: string;
  /** PEM text of the extra CA to trust, when `AML_WARDEN_TLS_CA_FILE` is set. */
  readonly tlsCa: string | undefined;
  /** The folder holding host.json / package.json. */
  readonly appRoot: string;
}

export { settingDefaults };

export type SettingName = keyof typeof settingDefaults;
export const settingNames = Object.keys(settingDefaults) as SettingName[];

function isHttpsUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' && url.hostname.length > 0 && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}

const withoutTrailingSlash = (value: string): string => value.replace(/\/+$/, '');

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const httpsUrl = z
  .string()
  .refine(isHttpsUrl, { message: 'must be an https URL' })
  .transform(withoutTrailingSlash);

const optionalHttpsUrl = httpsUrl.optional();

/** An https URL, or plain http to this machine (the offline host serves http on loopback). */
function isBrowsableUrl(value: string): boolean {
  try {
    const url = new URL(value);
    const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
    return (url.protocol === 'https:' || (url.protocol === 'http:' && loopback)) && url.username === '' && url.password === '' && url.search === '' && url.hash === '';
  } catch {
    return false;
  }
}

function integerSetting(min: number, max: number) {
  return z
    .string()
    .regex(/^\d+$/, { message: `must be a whole number from ${min} to ${max}` })
    .transform(Number)
    .refine((value) => value >= min && value <= max, { message: `must be a whole number from ${min} to ${max}` });
}

// Six NCRONTAB fields ({second} {minute} {hour} {day} {month} {day-of-week}); the host parses the rest.
const ncrontab = z
  .string()
  .refine((value) => value.trim().split(/\s+/).length === 6 && /^[\d*/,\-A-Za-z?\s]+$/.test(value), {
    message: 'must be an NCRONTAB expression with six fields, e.g. "0 0 */6 * * *"',
  });

// Key Vault secret names: 1-127 alphanumerics and hyphens.
const secretName = z.string().regex(/^[0-9A-Za-z-]{1,127}$/, { message: 'must be a Key Vault secret name (letters, digits, hyphens)' });

const envSchema = z
  .object({
    AML_WARDEN_POLICY: z.string().refine((value) => !value.includes('\0'), { message: 'must be a file path' }),
    AML_WARDEN_ARM_ENDPOINT: httpsUrl,
    AML_WARDEN_CREDENTIAL: z.enum(['default', 'local'], { message: 'must be "default" or "local"' }),
    AML_WARDEN_LOCAL_IDP_URL: optionalHttpsUrl,
    AML_WARDEN_TLS_CA_FILE: z.string().optional(),
    AML_WARDEN_STATE_CONNECTION_STRING: z
      .string()
      .refine((value) => /(^|;)\s*(TableEndpoint|AccountName|UseDevelopmentStorage)\s*=/i.test(value), {
        message: 'must be a storage connection string (with AccountName, TableEndpoint or UseDevelopmentStorage)',
      })
      .optional(),
    AML_WARDEN_STATE_TABLE_URL: optionalHttpsUrl,
    AML_WARDEN_TABLE_PREFIX: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9]{0,39}$/, { message: 'must start with a letter and hold only letters and digits (at most 40)' }),
    AML_WARDEN_KEYVAULT_URL: optionalHttpsUrl,
    AML_WARDEN_SECRET_TTL_SECONDS: integerSetting(0, 86_400),
    APPLICATIONINSIGHTS_CONNECTION_STRING: z
      .string()
      .refine((value) => /(^|;)\s*InstrumentationKey\s*=/i.test(value), { message: 'must be an Application Insights connection string' })
      .optional(),
    AML_WARDEN_QUEUE: z
      .string()
      .refine((value) => /(^|;)\s*(QueueEndpoint|AccountName|UseDevelopmentStorage)\s*=/i.test(value), {
        message: 'must be a storage connection string (with AccountName, QueueEndpoint or UseDevelopmentStorage)',
      })
      .optional(),
    AML_WARDEN_QUEUE__queueServiceUri: optionalHttpsUrl,
    AML_WARDEN_SWEEP_SCHEDULE: ncrontab,
    AML_WARDEN_EXPIRY_SCHEDULE: ncrontab,
    AML_WARDEN_AUTH_TENANT_ID: z.string().regex(GUID, { message: "must be the tenant's ID (a GUID)" }).optional(),
    AML_WARDEN_AUTH_CLIENT_ID: z.string().regex(GUID, { message: "must be the API app registration's application (client) ID (a GUID)" }).optional(),
    AML_WARDEN_AUTH_APP_ID_URI: z.string().min(1).refine((value) => !/\s/.test(value), { message: 'must be an Application ID URI such as api://aml-warden' }).optional(),
    AML_WARDEN_AUTH_AUTHORITY: httpsUrl,
    AML_WARDEN_CONSOLE_CLIENT_ID: z.string().regex(GUID, { message: "must be the console app registration's application (client) ID (a GUID)" }).optional(),
    AML_WARDEN_CONSOLE_API_SCOPE: z
      .string()
      .refine((value) => /^\S+\/[^\s/]+$/.test(value), { message: 'must be one delegated scope of the API, such as api://aml-warden/access_as_user' })
      .optional(),
    AML_WARDEN_CONSOLE_AUTHORITY: optionalHttpsUrl,
    AML_WARDEN_CONSOLE_URL: z
      .string()
      .refine(isBrowsableUrl, { message: 'must be an https URL without query or fragment (http only on this machine: 127.0.0.1, localhost)' })
      .transform(withoutTrailingSlash)
      .optional(),
    AML_WARDEN_EVENTS_SECRET_NAME: secretName.optional(),
    AML_WARDEN_EVENTS_ROLE: z.string().regex(/^[A-Za-z0-9._-]{1,120}$/, { message: 'must be an app role value (letters, digits, dots, hyphens, underscores)' }),
    // Event Grid's own maximum events per batch is 5,000 (MicrosoftDocs/azure-docs `event-grid/delivery-and-retry.md`).
    AML_WARDEN_EVENTS_MAX_BATCH: integerSetting(1, 5000),
    AML_WARDEN_STUDIO_URL: httpsUrl,
    // At most a minute: a CD attempt must end well within its claim's five-minute lease (`startCdRunOnce`).
    AML_WARDEN_HTTP_TIMEOUT_MS: integerSetting(100, 60_000),
    AZURE_CLIENT_ID: z.string().optional(),
  })
  .superRefine((env, ctx) => {
    if (env.AML_WARDEN_CREDENTIAL === 'local' && env.AML_WARDEN_LOCAL_IDP_URL === undefined) {
      ctx.addIssue({ code: 'custom', path: ['AML_WARDEN_LOCAL_IDP_URL'], message: 'is required when AML_WARDEN_CREDENTIAL is "local"' });
    }
    const stateSettings = [env.AML_WARDEN_STATE_CONNECTION_STRING, env.AML_WARDEN_STATE_TABLE_URL].filter((v) => v !== undefined);
    if (stateSettings.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['AML_WARDEN_STATE_CONNECTION_STRING'],
        message: `set exactly one of AML_WARDEN_STATE_CONNECTION_STRING and AML_WARDEN_STATE_TABLE_URL (${stateSettings.length} set)`,
      });
    }
    if ((env.AML_WARDEN_AUTH_TENANT_ID === undefined) !== (env.AML_WARDEN_AUTH_CLIENT_ID === undefined)) {
      const missing = env.AML_WARDEN_AUTH_TENANT_ID === undefined ? 'AML_WARDEN_AUTH_TENANT_ID' : 'AML_WARDEN_AUTH_CLIENT_ID';
      ctx.addIssue({ code: 'custom', path: [missing], message: 'is required when the other of AML_WARDEN_AUTH_TENANT_ID / AML_WARDEN_AUTH_CLIENT_ID is set' });
    }
  });

/** Reads the environment's raw values, treating empty strings as unset (Azure app settings are often blank). */
function rawSettings(env: NodeJS.ProcessEnv): Record<SettingName, string | undefined> {
  const raw = {} as Record<SettingName, string | undefined>;
  for (const name of settingNames) {
    const value = env[name]?.trim();
    raw[name] = value === undefined || value === '' ? settingDefaults[name] : value;
  }
  return raw;
}

/** Validates the environment into typed settings. Throws `ConfigurationError` naming the first bad setting (all of them in `details`). */
export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const parsed = envSchema.safeParse(rawSettings(env));
  if (!parsed.success) {
    const details = parsed.error.issues.map((issue) => {
      const target = String(issue.path[0] ?? 'settings');
      return { target, message: `${target}: ${issue.message}` };
    });
    const first = details[0] ?? { target: 'settings', message: 'settings: invalid' };
    throw new AppError('ConfigurationError', first.message, { target: first.target, module: 'config', details });
  }
  const values = parsed.data;
  const state = stateSettingsOf(values.AML_WARDEN_STATE_CONNECTION_STRING, values.AML_WARDEN_STATE_TABLE_URL);
  const auth: AuthSettings | undefined =
    values.AML_WARDEN_AUTH_TENANT_ID !== undefined && values.AML_WARDEN_AUTH_CLIENT_ID !== undefined
      ? {
          tenantId: values.AML_WARDEN_AUTH_TENANT_ID.toLowerCase(),
          clientId: values.AML_WARDEN_AUTH_CLIENT_ID.toLowerCase(),
          appIdUri: values.AML_WARDEN_AUTH_APP_ID_URI ?? `api://${values.AML_WARDEN_AUTH_CLIENT_ID.toLowerCase()}`,
          authority: values.AML_WARDEN_AUTH_AUTHORITY,
        }
      : undefined;
  const consoleSettings: ConsoleSettings | undefined =
    auth === undefined
      ? undefined
      : {
          tenantId: auth.tenantId,
          clientId: values.AML_WARDEN_CONSOLE_CLIENT_ID?.toLowerCase() ?? auth.clientId,
          // Entra ID names a custom API's delegated scope `{Application ID URI}/{scope}`; the playground's is access_as_user.
          apiScope: values.AML_WARDEN_CONSOLE_API_SCOPE ?? `${auth.appIdUri}/access_as_user`,
          authority: values.AML_WARDEN_CONSOLE_AUTHORITY ?? `${auth.authority}/${auth.tenantId}`,
        };
  return {
    policyPath: values.AML_WARDEN_POLICY,
    armEndpoint: values.AML_WARDEN_ARM_ENDPOINT,
    credential: values.AML_WARDEN_CREDENTIAL,
    localIdpUrl: values.AML_WARDEN_LOCAL_IDP_URL,
    managedIdentityClientId: values.AZURE_CLIENT_ID,
    tlsCaFile: values.AML_WARDEN_TLS_CA_FILE,
    state,
    tablePrefix: values.AML_WARDEN_TABLE_PREFIX,
    keyVaultUrl: values.AML_WARDEN_KEYVAULT_URL,
    secretTtlSeconds: values.AML_WARDEN_SECRET_TTL_SECONDS,
    appInsightsConnectionString: values.APPLICATIONINSIGHTS_CONNECTION_STRING,
    sweepSchedule: values.AML_WARDEN_SWEEP_SCHEDULE,
    expirySchedule: values.AML_WARDEN_EXPIRY_SCHEDULE,
    queue:
      values.AML_WARDEN_QUEUE !== undefined
        ? { kind: 'connectionString', connectionString: values.AML_WARDEN_QUEUE }
        : values.AML_WARDEN_QUEUE__queueServiceUri !== undefined
          ? { kind: 'serviceUri', url: values.AML_WARDEN_QUEUE__queueServiceUri }
          : undefined,
    auth,
    console: consoleSettings,
    consoleUrl: values.AML_WARDEN_CONSOLE_URL,
    eventsSecretName: values.AML_WARDEN_EVENTS_SECRET_NAME,
    eventsRole: values.AML_WARDEN_EVENTS_ROLE,
    eventsMaxBatch: values.AML_WARDEN_EVENTS_MAX_BATCH,
    studioUrl: values.AML_WARDEN_STUDIO_URL,
    httpTimeoutMs: values.AML_WARDEN_HTTP_TIMEOUT_MS,
  };
}

function stateSettingsOf(connectionString: string | undefined, url: string | undefined): StateSettings {
  if (connectionString !== undefined) return { kind: 'connectionString', connectionString };
  if (url !== undefined) return { kind: 'tableUrl', url };
  // Unreachable: the schema requires exactly one of them.
  throw new AppError('ConfigurationError', 'AML_WARDEN_STATE_CONNECTION_STRING: set exactly one of AML_WARDEN_STATE_CONNECTION_STRING and AML_WARDEN_STATE_TABLE_URL', {
    target: 'AML_WARDEN_STATE_CONNECTION_STRING',
    module: 'config',
  });
}

/**
 * The folder holding host.json (or package.json): the app root that relative paths are resolved against.
 * Walks up from this module, so it works for `src/config.ts`, `dist/src/config.js` and a bundled `main.js`.
 */
export function findAppRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  for (const marker of ['host.json', 'package.json']) {
    let dir = resolve(from);
    for (;;) {
      if (existsSync(join(dir, marker))) return dir;
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return process.cwd();
}

export interface LoadConfigOptions {
  /** Overrides the app root (tests). */
  readonly appRoot?: string;
}

/** Settings from the environment plus the policy file they point at (and the CA file, if any). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, options: LoadConfigOptions = {}): Config {
  const settings = loadSettings(env);
  const appRoot = options.appRoot ?? findAppRoot();
  const policySource = resolveFromRoot(appRoot, settings.policyPath);
  const policyText = readSettingFile(policySource, 'AML_WARDEN_POLICY', 'policy file');
  const policy = parsePolicyYaml(policyText, settings.policyPath);
  const tlsCa = loadTlsCa(settings, appRoot);
  return { settings, policy, policySource, tlsCa, appRoot };
}

/** The PEM of the extra CA to trust (`AML_WARDEN_TLS_CA_FILE`, relative to the app root); undefined when not set. */
export function loadTlsCa(settings: Settings, appRoot: string = findAppRoot()): string | undefined {
  if (settings.tlsCaFile === undefined) return undefined;
  const tlsCa = readSettingFile(resolveFromRoot(appRoot, settings.tlsCaFile), 'AML_WARDEN_TLS_CA_FILE', 'CA certificate file');
  if (!tlsCa.includes('-----BEGIN CERTIFICATE-----')) {
    throw new AppError('ConfigurationError', 'AML_WARDEN_TLS_CA_FILE: the file holds no PEM certificate', {
      target: 'AML_WARDEN_TLS_CA_FILE',
      module: 'config',
    });
  }
  return tlsCa;
}

function resolveFromRoot(appRoot: string, path: string): string {
  return isAbsolute(path) ? path : resolve(appRoot, path);
}

function readSettingFile(path: string, setting: SettingName, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : 'cannot be read';
    throw new AppError('ConfigurationError', `${setting}: ${what} ${reason}: ${path}`, { target: setting, module: 'config' });
  }
}

let cached: { config: Config } | { error: unknown } | undefined;

/** The process's configuration, read once. A failure is remembered too: settings do not change while the process runs. */
export function getConfig(): Config {
  cached ??= (() => {
    try {
      return { config: loadConfig() };
    } catch (error) {
      return { error };
    }
  })();
  if ('error' in cached) throw cached.error;
  return cached.config;
}

/** The app's version from the package.json at the app root. */
export function readAppVersion(appRoot: string = findAppRoot()): string {
  try {
    const parsed = z.object({ version: z.string() }).safeParse(JSON.parse(readFileSync(join(appRoot, 'package.json'), 'utf8')));
    return parsed.success ? parsed.data.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

const CONFIGURED = 'configured';

/** A JSON summary of the settings for /api/health and the CLI. Secret-bearing values are reported only as `configured`. */
export function describeConfig(config: Config): Record<string, unknown> {
  const { settings } = config;
  return {
    policy: settings.policyPath,
    armEndpoint: settings.armEndpoint,
    credential: settings.credential,
    localIdpUrl: settings.localIdpUrl,
    managedIdentityClientId: settings.managedIdentityClientId === undefined ? undefined : CONFIGURED,
    tlsCaFile: settings.tlsCaFile,
    state:
      settings.state.kind === 'connectionString'
        ? { kind: 'connectionString', connectionString: CONFIGURED }
        : // A table URL may carry a SAS token in its query string.
          { kind: 'tableUrl', url: stripQuery(settings.state.url) },
    tablePrefix: settings.tablePrefix,
    keyVaultUrl: settings.keyVaultUrl,
    secretTtlSeconds: settings.secretTtlSeconds,
    telemetry: settings.appInsightsConnectionString === undefined ? 'off' : CONFIGURED,
    sweepSchedule: settings.sweepSchedule,
    expirySchedule: settings.expirySchedule,
    queue:
      settings.queue === undefined
        ? 'off'
        : settings.queue.kind === 'connectionString'
          ? { kind: 'connectionString', connectionString: CONFIGURED }
          : { kind: 'serviceUri', url: stripQuery(settings.queue.url) },
    auth: settings.auth === undefined ? 'off' : { ...settings.auth },
    console: settings.console === undefined ? 'off' : { ...settings.console, url: settings.consoleUrl },
    eventsSecretName: settings.eventsSecretName,
    eventsRole: settings.eventsRole,
    eventsMaxBatch: settings.eventsMaxBatch,
    studioUrl: settings.studioUrl,
    httpTimeoutMs: settings.httpTimeoutMs,
  };
}

function stripQuery(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`.replace(/\/+$/, '');
}
