/**
 * What to tell someone whose command could not reach a service: which service, at which address, where that address
 * came from (the environment, local.settings.json, the endpoints file `npm start` writes, an option), and what to do
 * about it. Pure: the error and the settings' provenance in, a message out.
 */
import { dirname } from 'node:path';
import { z } from 'zod';
import { describeSource, LOCAL_SETTINGS_FILE, type EndpointOrigin, type ServiceKind, type SettingSource, type SettingsProvenance } from './localSettings.js';
import type { PlaygroundEndpointsFile } from './playgroundEndpoints.js';

type FailureKind = 'refused' | 'notFound' | 'certificate';

interface NetworkFailure {
  readonly kind: FailureKind;
  readonly code: string;
  /** Where the connection went, when the error says. */
  readonly host: string | undefined;
  readonly port: number | undefined;
  /** The request's path, when the error says (a RestError's request). */
  readonly path: string | undefined;
  /** The adapter that raised it (`AppError.module`), when the error does not say where it went. */
  readonly module: string | undefined;
}

const REFUSED = new Set(['ECONNREFUSED']);
const NOT_FOUND = new Set(['ENOTFOUND', 'EAI_AGAIN']);
/**
 * The codes Node.js gives a TLS connection whose certificate it does not trust: OpenSSL's X509 verification errors
 * (Node.js docs, `tls` "X509 certificate error codes") and a name the certificate does not cover
 * (`ERR_TLS_CERT_ALTNAME_INVALID`, Node.js docs, `errors`).
 */
const CERTIFICATE = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);
const CODE_IN_TEXT = new RegExp(`\\b(${[...REFUSED, ...NOT_FOUND, ...CERTIFICATE].join('|')})\\b`);
/** Where Node.js (`connect ECONNREFUSED 127.0.0.1:7443`, `getaddrinfo ENOTFOUND host`) and the app's HTTP client (`Request to host:port failed`) name the address. */
const ADDRESS_IN_TEXT = /(?:\bconnect E[A-Z]+|\bgetaddrinfo E[A-Z_]+|\bRequest to) (\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?/;

/**
 * The adapters whose AppErrors do not carry the address (the SDK error is never attached: it holds the request's
 * credentials), by the `module` they set, and the service each talks to.
 */
const SERVICE_OF_MODULE: Readonly<Record<string, ServiceKind>> = {
  aml: 'arm',
  armRequest: 'arm',
  remediation: 'arm',
  computeRequests: 'arm',
  tableState: 'table',
  computeRequestStore: 'table',
  dedup: 'table',
  queues: 'queue',
  secrets: 'keyVault',
  credential: 'identityProvider',
};

/** Each service's name, and who serves it on this machine: the emulator, or Azurite. */
const SERVICES: Readonly<Record<ServiceKind, { readonly name: string; readonly local: 'emulator' | 'azurite' }>> = {
  arm: { name: 'Azure Resource Manager', local: 'emulator' },
  identityProvider: { name: 'identity provider', local: 'emulator' },
  keyVault: { name: 'Key Vault', local: 'emulator' },
  table: { name: 'Table', local: 'azurite' },
  queue: { name: 'Queue', local: 'azurite' },
};

/** The fields read from anything thrown; whatever is missing or of another type is left undefined. */
const errorFacts = z.looseObject({
  code: z.string().optional().catch(undefined),
  address: z.string().optional().catch(undefined),
  port: z.number().int().optional().catch(undefined),
  hostname: z.string().optional().catch(undefined),
  message: z.string().optional().catch(undefined),
  module: z.string().optional().catch(undefined),
  // RestError's request (core-rest-pipeline), where a failed request was going.
  request: z.object({ url: z.string() }).optional().catch(undefined),
  cause: z.unknown().optional(),
  // AggregateError: e.g. every address of a host refused.
  errors: z.array(z.unknown()).optional().catch(undefined),
});

/**
 * For an error thrown while a command ran: when it (or anything in its `cause` chain) is a refused connection, an
 * unknown host or an untrusted certificate, a message naming the service, its address, where the address came from
 * and what to do. Undefined for any other error.
 */
export function explainUnreachable(error: unknown, provenance: SettingsProvenance): string | undefined {
  const failure = findNetworkFailure(error);
  if (failure === undefined) return undefined;
  const matched = endpointsFor(failure, provenance.endpoints);
  const address = addressOf(failure, matched);
  const local = isLoopback(address);
  const lines = [`Cannot reach ${matched.length === 0 ? address : `${serviceNames(matched, local)} at ${address}`}: ${reasonOf(failure)}.`];
  lines.push(...whereFrom(matched, provenance));
  if (failure.kind === 'certificate') lines.push(trustAdvice(provenance, address));
  // An untrusted certificate means something answers: where the playground is matters only when it runs.
  if (local && (failure.kind !== 'certificate' || provenance.playground.state === 'running')) lines.push(playgroundAdvice(failure, matched, provenance));
  else if (failure.kind !== 'certificate') lines.push('Check the address, and that this machine can reach it.');
  return lines.join('\n');
}

/** The first refused / not-found / certificate failure in the error, its causes and an AggregateError's errors. */
function findNetworkFailure(error: unknown): NetworkFailure | undefined {
  const queue: unknown[] = [error];
  const seen = new Set<unknown>();
  let module: string | undefined;
  let found: { kind: FailureKind; code: string } | undefined;
  let host: string | undefined;
  let port: number | undefined;
  let path: string | undefined;
  while (queue.length > 0 && seen.size < 32) {
    const current = queue.shift();
    if (typeof current !== 'object' || current === null || seen.has(current)) continue;
    seen.add(current);
    const facts = errorFacts.safeParse(current);
    if (!facts.success) continue;
    const { code, address, hostname, message, request, cause, errors } = facts.data;
    module ??= facts.data.module;
    const kind = code === undefined ? undefined : kindOf(code);
    const codeInText = message === undefined ? undefined : CODE_IN_TEXT.exec(message)?.[1];
    if (found === undefined) {
      if (kind !== undefined && code !== undefined) found = { kind, code };
      else if (codeInText !== undefined) found = { kind: kindOf(codeInText) ?? 'refused', code: codeInText };
    }
    if (host === undefined) {
      const fromRequest = request !== undefined && URL.canParse(request.url) ? new URL(request.url) : undefined;
      const fromText = message === undefined ? undefined : ADDRESS_IN_TEXT.exec(message);
      if (fromRequest !== undefined) [host, port, path] = [fromRequest.hostname, portOf(fromRequest), fromRequest.pathname];
      else if (address !== undefined) [host, port] = [address, facts.data.port];
      else if (hostname !== undefined) host = hostname;
      else if (fromText?.[1] !== undefined) [host, port] = [fromText[1], fromText[2] === undefined ? undefined : Number(fromText[2])];
    }
    queue.push(cause, ...(errors ?? []));
  }
  return found === undefined ? undefined : { ...found, host: host === undefined ? undefined : normalHost(host), port, path, module };
}

function kindOf(code: string): FailureKind | undefined {
  if (REFUSED.has(code)) return 'refused';
  if (NOT_FOUND.has(code)) return 'notFound';
  if (CERTIFICATE.has(code)) return 'certificate';
  return undefined;
}

function portOf(url: URL): number {
  if (url.port !== '') return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

const normalHost = (host: string): string => host.replace(/^\[|\]$/g, '').toLowerCase();

/**
 * The endpoints at the failure's address — those whose path is the longest prefix of the request's, when the error
 * has it (the emulator serves several services on one port) — or, when the error names no address, those of the
 * service the failing adapter talks to.
 */
function endpointsFor(failure: NetworkFailure, endpoints: readonly EndpointOrigin[]): EndpointOrigin[] {
  if (failure.host !== undefined) {
    const atAddress = endpoints.filter((endpoint) => {
      const url = new URL(endpoint.url);
      return normalHost(url.hostname) === failure.host && (failure.port === undefined || portOf(url) === failure.port);
    });
    const { path } = failure;
    if (path === undefined) return atAddress;
    const pathOf = (endpoint: EndpointOrigin): string => new URL(endpoint.url).pathname.replace(/\/+$/, '');
    const under = atAddress.filter((endpoint) => path === pathOf(endpoint) || path.startsWith(`${pathOf(endpoint)}/`));
    const longest = Math.max(...under.map((endpoint) => pathOf(endpoint).length));
    return under.length === 0 ? atAddress : under.filter((endpoint) => pathOf(endpoint).length === longest);
  }
  const service = failure.module === undefined ? undefined : SERVICE_OF_MODULE[failure.module];
  return service === undefined ? [] : endpoints.filter((endpoint) => endpoint.service === service);
}

function addressOf(failure: NetworkFailure, matched: readonly EndpointOrigin[]): string {
  const urls = [...new Set(matched.map((endpoint) => endpoint.url))];
  if (urls.length === 1 && urls[0] !== undefined) return urls[0];
  const origins = [...new Set(matched.map((endpoint) => new URL(endpoint.url).origin))];
  if (origins.length === 1 && origins[0] !== undefined) return origins[0];
  if (failure.host !== undefined) {
    const host = failure.host.includes(':') ? `[${failure.host}]` : failure.host;
    return failure.port === undefined ? host : `${host}:${failure.port}`;
  }
  return 'a service';
}

function isLoopback(address: string): boolean {
  const host = URL.canParse(address) ? new URL(address).hostname : address.replace(/:\d+$/, '');
  return ['127.0.0.1', 'localhost', '[::1]', '::1'].includes(host.toLowerCase());
}

/** `the emulator's Azure Resource Manager and identity provider`, `Azurite's Table service`, `Key Vault`, ... */
function serviceNames(matched: readonly EndpointOrigin[], local: boolean): string {
  const kinds = [...new Set(matched.map((endpoint) => endpoint.service))];
  const named = (group: 'emulator' | 'azurite'): string[] => kinds.filter((kind) => SERVICES[kind].local === group).map((kind) => SERVICES[kind].name);
  const [emulator, storage] = [named('emulator'), named('azurite')];
  const storageNames = storage.length === 0 ? undefined : `${listed(storage)} service${storage.length === 1 ? '' : 's'}`;
  if (local) {
    return listed([...(emulator.length === 0 ? [] : [`the emulator's ${listed(emulator)}`]), ...(storageNames === undefined ? [] : [`Azurite's ${storageNames}`])]);
  }
  const remote = emulator.map((name) => (name === 'identity provider' ? 'the identity provider' : name));
  return listed([...remote, ...(storageNames === undefined ? [] : [`the ${storageNames}`])]);
}

function reasonOf(failure: NetworkFailure): string {
  switch (failure.kind) {
    case 'refused':
      return 'the connection was refused (nothing listens there)';
    case 'notFound':
      return `${failure.host === undefined ? 'the host name' : `the host name ${failure.host}`} is not known (${failure.code})`;
    case 'certificate':
      return `its TLS certificate is not trusted (${failure.code})`;
  }
}

/** `AML_WARDEN_ARM_ENDPOINT and AML_WARDEN_LOCAL_IDP_URL come from …`, one line per source. */
function whereFrom(matched: readonly EndpointOrigin[], provenance: SettingsProvenance): string[] {
  if (matched.length === 0) {
    const policy = provenance.policyFile;
    return [
      `No setting names that address${policy === undefined ? '.' : `; it may come from the policy ${policy.path} (${policy.setting}, from ${describeSource(policy.source)}), e.g. a CD target.`}`,
    ];
  }
  const bySource = new Map<string, string[]>();
  for (const endpoint of matched) {
    const key = endpoint.source.kind === 'default' ? 'default' : `from ${describeSource(endpoint.source)}`;
    bySource.set(key, [...(bySource.get(key) ?? []), endpoint.setting]);
  }
  return [...bySource].map(([source, settings]) =>
    source === 'default'
      ? `${listed(settings)} ${settings.length === 1 ? 'is' : 'are'} not set, so ${settings.length === 1 ? 'its default applies' : 'their defaults apply'}.`
      : `${listed(settings)} ${settings.length === 1 ? 'comes' : 'come'} ${source}.`,
  );
}

function trustAdvice(provenance: SettingsProvenance, address: string): string {
  const ca = provenance.caFile;
  const running = provenance.playground.state === 'running' ? provenance.playground.endpoints : undefined;
  const current = running === undefined ? '' : ` npm start (pid ${running.pid}) writes its emulator's CA to ${running.emulator.caFile}.`;
  if (ca === undefined) return `No CA file is set to trust it (AML_WARDEN_TLS_CA_FILE).${current}`;
  return `The CA trusted for it is ${ca.path} (${ca.setting}, from ${describeSource(ca.source)}): it must be the CA of the server at ${address}.${current}`;
}

function playgroundAdvice(failure: NetworkFailure, matched: readonly EndpointOrigin[], provenance: SettingsProvenance): string {
  const { playground } = provenance;
  switch (playground.state) {
    case 'none':
      return `No playground is running from ${projectFolderOf(playground.file)}: start it with \`npm start\`. While it runs it writes the addresses it uses to ${playground.file}, and the CLI takes them from there.`;
    case 'stopped':
      return `No playground is running: npm start (pid ${playground.pid}), which wrote ${playground.file}, has ended. Start it again with \`npm start\`.`;
    case 'unreadable':
      return `${playground.file} ${playground.problem}: stop npm start and run it again to rewrite it.`;
    case 'running': {
      const { endpoints } = playground;
      const sources = matched.map((endpoint) => endpoint.source);
      if (sources.length > 0 && sources.every((source) => source.kind === 'playground')) {
        return failure.kind === 'refused'
          ? `npm start (pid ${endpoints.pid}) wrote that address to ${playground.file}, but nothing answers there: look at npm start's output, or stop it and run it again.`
          : `npm start (pid ${endpoints.pid}) wrote that address to ${playground.file}.`;
      }
      return `The playground that npm start (pid ${endpoints.pid}) runs from this folder is on ${playgroundAddresses(endpoints)}, as ${playground.file} says; ${howToUse(matched)}.`;
    }
  }
}

function projectFolderOf(endpointsFile: string): string {
  return dirname(dirname(dirname(endpointsFile)));
}

function playgroundAddresses(endpoints: PlaygroundEndpointsFile): string {
  return `${endpoints.emulator.url} (the emulator), ${endpoints.azurite.tableUrl} (Azurite Table), ${endpoints.azurite.queueUrl} (Azurite Queue) and ${endpoints.app.url} (the app)`;
}

/** How to make each setting that named the failed address take the playground's instead. */
function howToUse(matched: readonly EndpointOrigin[]): string {
  const steps: string[] = [];
  const settingsFrom = (kind: SettingSource['kind']): string[] => matched.filter((endpoint) => endpoint.source.kind === kind).map((endpoint) => endpoint.setting);
  const fromEnvironment = settingsFrom('environment');
  const fromFile = settingsFrom('localSettings');
  const fromOption = matched.flatMap((endpoint) => (endpoint.source.kind === 'option' ? [endpoint.source.option] : []));
  if (fromEnvironment.length > 0) steps.push(`unset ${listed(fromEnvironment)} in this shell`);
  if (fromFile.length > 0) {
    steps.push(`put ${listed(fromFile)} in ${LOCAL_SETTINGS_FILE} back to what ${fromFile.length === 1 ? 'it' : 'they'} held when npm start started (or name the address above)`);
  }
  if (fromOption.length > 0) steps.push(`leave out ${listed(fromOption)}`);
  return steps.length === 0 ? 'point the settings at it' : `to use it, ${listed(steps)}`;
}

function listed(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1) ?? ''}`;
}
