/**
 * `aml-warden dev ...` — commands for the local Azure-in-a-box.
 *
 *   aml-warden dev token --user NAME --role ROLE [--role ROLE2] [--token-version 1|2] [--app] [--audience A]
 *                        [--expires-in S] [--not-before S] [--idp URL] [--ca FILE]
 *
 * mints a token on the running emulator's identity provider and prints it alone on stdout, so that
 * `TOKEN=$(npx aml-warden dev token ...)` works. Without --idp / --ca it uses the playground `npm start` runs from the
 * current folder, on whatever ports (its endpoints file, `.aml-warden/dev/endpoints.json`), else the default ports.
 * The emulator's certificate is trusted explicitly through its CA file; certificate checks are never turned off.
 */
import { readFile } from 'node:fs/promises';
import https from 'node:https';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { explainUnreachable } from '../src/cli/endpointHint.js';
import type { SettingSource, SettingsProvenance } from '../src/cli/localSettings.js';
import { readPlaygroundStatus, type PlaygroundEndpointsFile, type PlaygroundStatus } from '../src/cli/playgroundEndpoints.js';

export const DEFAULT_IDP_URL = 'https://127.0.0.1:7443/idp';
export const DEFAULT_CA_FILE = '.aml-warden/dev/emulator-ca.pem';
const REQUEST_TIMEOUT_MS = 10_000;

export interface DevCliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Directory the default CA file is resolved against. */
  readonly cwd: string;
}

const defaultIo: DevCliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: process.cwd(),
};

const USAGE = `usage: aml-warden dev token --user NAME --role ROLE [--role ROLE2] [--token-version 1|2] [--app]
                             [--audience AUDIENCE] [--expires-in SECONDS] [--not-before SECONDS] [--idp URL] [--ca FILE]

  Mints an access token for the app's API with the given app roles on the local identity provider and prints it.
  --token-version  2 (default): Entra's v2.0 token (aud = the API's client ID); 1: a v1.0 token (aud = its App ID URI)
  --app         an app-only token (no scp) for the application NAME, as a daemon or Event Grid gets; default: a user token
  --expires-in  lifetime from now; a negative value makes a token that has already expired (e.g. -120)
  --not-before  when it becomes valid, from now; positive makes a token not yet valid
  --idp         the identity provider (default: that of the playground npm start runs from this folder, else ${DEFAULT_IDP_URL})
  --ca          CA certificate to trust for it (default: that playground's, else ${DEFAULT_CA_FILE}; npm start writes it)
`;

class UsageError extends Error {}

/** Runs `dev ...` (the leading `dev` is optional); returns the process exit code. */
export async function runDevCli(argv: readonly string[], io: DevCliIo = defaultIo): Promise<number> {
  const args = argv[0] === 'dev' ? argv.slice(1) : [...argv];
  const [command, ...rest] = args;
  try {
    switch (command) {
      case 'token':
        io.stdout(`${await mintToken(rest, io)}\n`);
        return 0;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout(USAGE);
        return command === undefined ? 1 : 0;
      default:
        throw new UsageError(`unknown command 'dev ${command}'`);
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`aml-warden dev: ${message}\n`);
    if (error instanceof UsageError) io.stderr(USAGE);
    return 1;
  }
}

/** The identity provider and CA to use, each with where it came from: the option, the running playground, the default. */
function identityProviderOf(options: TokenArgs, playground: PlaygroundStatus, cwd: string): { idp: string; caFile: string; provenance: SettingsProvenance } {
  const running =
    playground.state === 'running'
      ? { endpoints: playground.endpoints, source: { kind: 'playground', file: playground.file, pid: playground.endpoints.pid, inPlaceOfLocalSettings: false } as const }
      : undefined;
  const choose = (given: string | undefined, option: string, ofPlayground: (endpoints: PlaygroundEndpointsFile) => string, fallback: string): [string, SettingSource] => {
    if (given !== undefined) return [given, { kind: 'option', option }];
    return running === undefined ? [fallback, { kind: 'default' }] : [ofPlayground(running.endpoints), running.source];
  };
  const [idp, idpSource] = choose(options.idp, '--idp', (endpoints) => endpoints.emulator.idpUrl, DEFAULT_IDP_URL);
  const [ca, caSource] = choose(options.ca, '--ca', (endpoints) => endpoints.emulator.caFile, DEFAULT_CA_FILE);
  const [idpUrl, caFile] = [idp.replace(/\/+$/, ''), path.resolve(cwd, ca)];
  return {
    idp: idpUrl,
    caFile,
    provenance: {
      sources: {},
      endpoints: [{ service: 'identityProvider', url: idpUrl, setting: '--idp', source: idpSource }],
      caFile: { setting: '--ca', path: caFile, source: caSource },
      policyFile: undefined,
      playground,
    },
  };
}

async function mintToken(args: readonly string[], io: DevCliIo): Promise<string> {
  const options = parseTokenArgs(args);
  const { idp, caFile, provenance } = identityProviderOf(options, readPlaygroundStatus(io.cwd), io.cwd);
  let ca: Buffer;
  try {
    ca = await readFile(caFile);
  } catch {
    throw new Error(`cannot read the emulator's CA certificate at ${caFile}; start the playground with 'npm start' or pass --ca FILE`);
  }
  const response = await postJson(
    `${idp}/dev/token`,
    {
      ...(options.app ? { app: options.user } : { user: options.user }),
      roles: options.roles,
      version: options.tokenVersion,
      ...(options.audience === undefined ? {} : { audience: options.audience }),
      ...(options.expiresIn === undefined ? {} : { expiresInSeconds: options.expiresIn }),
      ...(options.notBefore === undefined ? {} : { notBeforeSeconds: options.notBefore }),
    },
    ca,
    provenance,
  );
  if (response.status !== 200) {
    throw new Error(`the identity provider answered ${response.status}: ${describeError(response.body)}`);
  }
  const parsed = z.object({ access_token: z.string().min(1) }).safeParse(safeJson(response.body));
  if (!parsed.success) throw new Error('the identity provider answered without an access_token');
  return parsed.data.access_token;
}

interface TokenArgs {
  readonly user: string;
  readonly app: boolean;
  readonly tokenVersion: 1 | 2;
  readonly roles: string[];
  readonly audience?: string;
  readonly expiresIn?: number;
  readonly notBefore?: number;
  readonly idp?: string;
  readonly ca?: string;
}

const tokenOptions = {
  user: { type: 'string' },
  role: { type: 'string', multiple: true },
  'token-version': { type: 'string' },
  app: { type: 'boolean' },
  audience: { type: 'string' },
  'expires-in': { type: 'string' },
  'not-before': { type: 'string' },
  idp: { type: 'string' },
  ca: { type: 'string' },
} as const;

/** Options whose value may be negative: parseArgs reads `-120` as an option, so `--expires-in -120` becomes `--expires-in=-120`. */
const SIGNED_OPTIONS = new Set(['--expires-in', '--not-before']);

export function joinNegativeValues(args: readonly string[]): string[] {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] as string;
    const next = args[i + 1];
    if (arg === '--') {
      joined.push(...args.slice(i));
      break;
    }
    if (SIGNED_OPTIONS.has(arg) && next !== undefined && /^-\d+$/.test(next)) {
      joined.push(`${arg}=${next}`);
      i += 1;
    } else joined.push(arg);
  }
  return joined;
}

function wholeSeconds(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value)) throw new UsageError(`${option} must be a whole number of seconds`);
  return Number(value);
}

function parseTokenArgs(args: readonly string[]): TokenArgs {
  const values = parseOrExplain(() => parseArgs({ args: joinNegativeValues(args), options: tokenOptions, strict: true, allowPositionals: false }).values);
  if (!values.user) throw new UsageError('--user is required');
  const tokenVersion = values['token-version'] ?? '2';
  if (tokenVersion !== '1' && tokenVersion !== '2') throw new UsageError('--token-version must be 1 or 2');
  const expiresIn = wholeSeconds(values['expires-in'], '--expires-in');
  const notBefore = wholeSeconds(values['not-before'], '--not-before');
  if (values.idp !== undefined && !/^https:\/\//i.test(values.idp)) throw new UsageError('--idp must be an https URL');
  return {
    user: values.user,
    app: values.app === true,
    tokenVersion: tokenVersion === '1' ? 1 : 2,
    roles: values.role ?? [],
    ...(values.idp === undefined ? {} : { idp: values.idp }),
    ...(values.audience === undefined ? {} : { audience: values.audience }),
    ...(expiresIn === undefined ? {} : { expiresIn }),
    ...(notBefore === undefined ? {} : { notBefore }),
    ...(values.ca === undefined ? {} : { ca: values.ca }),
  };
}

function parseOrExplain<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function postJson(url: string, body: unknown, ca: Buffer, provenance: SettingsProvenance): Promise<{ status: number; body: string }> {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const request = https.request(
      url,
      {
        method: 'POST',
        ca,
        timeout: REQUEST_TIMEOUT_MS,
        headers: { 'content-type': 'application/json', 'content-length': String(payload.length), accept: 'application/json' },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer from ${url} within ${REQUEST_TIMEOUT_MS} ms`)));
    request.on('error', (error: NodeJS.ErrnoException) => {
      const explained = explainUnreachable(error, provenance);
      reject(explained === undefined ? error : new Error(explained));
    });
    request.end(payload);
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function describeError(body: string): string {
  const parsed = z.object({ error_description: z.string() }).safeParse(safeJson(body));
  return parsed.success ? parsed.data.error_description : body.slice(0, 200);
}
