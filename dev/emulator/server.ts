/**
 * The local Azure-in-a-box: one HTTPS server on loopback that speaks Azure Resource Manager (Azure ML,
 * Resource Graph, Tags), the local identity provider, Key Vault, Azure DevOps, GitHub and webhook sinks,
 * and publishes Event Grid events for what changes. Every request is recorded; faults, latency and ARM
 * throttling can be switched on.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { mount as mountAdmin, type CallRecord } from './admin.js';
import { admitArmCall, isArmPath } from './arm/armGate.js';
import { mountArm } from './arm/mountArm.js';
import { OperationTimers } from './arm/operationTimers.js';
import type { EmulatorContext } from './context.js';
import { mount as mountDevOps, type DevOpsState } from './devops.js';
import { createEventPublisher, type EventPublisher, type EventSubscription } from './eventgrid.js';
import { FaultInjector, type FaultRule } from './faults.js';
import { mount as mountGitHub, type GitHubState } from './github.js';
import { createLocalIdp, mountIdp, type LocalIdp } from './idp.js';
import { mount as mountKeyVault, type SecretVault } from './keyvault.js';
import { Router, armError, type EmulatorResponse } from './router.js';
import { seed as applySeed, seedBulk, type SeedName } from './seed.js';
import { mount as mountSinks, type SinkState } from './sinks.js';
import { EmulatorState } from './state.js';
import { ArmThrottle, type ThrottleOptions } from './throttle.js';
import { createEmulatorCertificate } from './tls.js';

export type { CallRecord } from './admin.js';
export type { FaultRule } from './faults.js';
export type { ThrottleOptions } from './throttle.js';

export const CA_FILE_NAME = 'emulator-ca.pem';
const MAX_BODY_BYTES = 10 * 1024 * 1024;
const MAX_CALL_RECORDS = 200_000;
/** Write bodies up to this size are kept in the call log. */
const MAX_RECORDED_BODY_BYTES = 16 * 1024;
const DEFAULT_LRO_COMPLETE_AFTER_MS = 1000;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

export interface EmulatorOptions {
  /** 0 (default) picks a free port; `npm start` uses 7443. */
  readonly port?: number;
  /** Loopback only. */
  readonly host?: '127.0.0.1' | '::1' | 'localhost';
  readonly seed?: SeedName;
  /** Directory to write the certificate to, as `emulator-ca.pem`. */
  readonly certDir?: string;
  /** Delay added to every request. */
  readonly latencyMs?: number;
  readonly throttle?: boolean | ThrottleOptions;
  /** Status polls after which a long-running operation has completed; default 1, 0 completes at once. */
  readonly lroPolls?: number;
  /**
   * Milliseconds after which a long-running operation completes without being polled, as Azure's do
   * (whichever of this and `lroPolls` comes first); default 1000, `Infinity` completes by polls only.
   */
  readonly lroCompleteAfterMs?: number;
  /** Items per page of ARM lists; default 100. */
  readonly pageSize?: number;
  readonly eventSubscriptions?: readonly EventSubscription[];
  readonly now?: () => Date;
  readonly log?: (line: string) => void;
  /** Sees every Azure Resource Manager request and the emulator's answer (the spec-conformance test validates them). */
  readonly onArmExchange?: (exchange: ArmExchange) => void;
}

/** One ARM request and its answer, as they crossed the wire (bodies parsed). */
export interface ArmExchange {
  readonly method: string;
  /** Path and query, as sent. */
  readonly url: string;
  readonly requestBody: unknown;
  readonly status: number;
  readonly responseHeaders: Readonly<Record<string, string>>;
  readonly responseBody: unknown;
}

export interface RunningEmulator {
  /** `https://127.0.0.1:PORT`, no trailing slash. */
  readonly url: string;
  readonly port: number;
  /** The certificate to trust (it is its own CA). */
  readonly caPem: string;
  readonly caFile?: string;
  readonly state: EmulatorState;
  readonly context: EmulatorContext;
  readonly idp: LocalIdp;
  readonly events: EventPublisher;
  readonly vault: SecretVault;
  readonly devops: DevOpsState;
  readonly github: GitHubState;
  readonly sinks: SinkState;
  injectFault(rule: FaultRule): void;
  clearFaults(): void;
  setThrottle(options: boolean | ThrottleOptions): void;
  calls(): CallRecord[];
  resetCalls(): void;
  /** Back to the configured seed: ARM state, secrets, pipeline runs, dispatches, sink deliveries, faults. */
  reset(): void;
  close(): Promise<void>;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK_HOSTS.has(host)) throw new Error(`The emulator listens on loopback only, not on ${host}.`);
  const log = options.log ?? (() => undefined);
  const now = options.now ?? (() => new Date());
  const seedName = options.seed ?? 'playground';
  const certificate = createEmulatorCertificate();
  const router = new Router();
  const state = new EmulatorState();
  const faults = new FaultInjector();
  const throttle = new ArmThrottle(options.throttle ?? false);
  const callLog: CallRecord[] = [];

  // The base URL (and so the IdP's issuer) depends on the port, known only once listening.
  let dispatch: (incoming: IncomingMessage, outgoing: ServerResponse) => void = (_incoming, outgoing) => {
    outgoing.writeHead(503).end();
  };
  const server = createServer({ cert: certificate.cert, key: certificate.key }, (incoming, outgoing) => dispatch(incoming, outgoing));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;

  const idp = await createLocalIdp(url);
  const events = createEventPublisher({ subscriptions: options.eventSubscriptions ?? [], log, ca: certificate.cert });
  const context: EmulatorContext = {
    baseUrl: url,
    verifyToken: (token, audience) => idp.verifyToken(token, audience),
    publishEvent: (event) => events.publish(event),
    now,
  };

  mountIdp(router, idp);
  const vault = mountKeyVault(router, context);
  const devops = mountDevOps(router, context);
  const github = mountGitHub(router, context);
  const sinks = mountSinks(router, context);
  const operationTimers = new OperationTimers();
  mountArm(router, {
    context,
    state,
    faults,
    lroPolls: options.lroPolls ?? 1,
    lroCompleteAfterMs: options.lroCompleteAfterMs ?? DEFAULT_LRO_COMPLETE_AFTER_MS,
    operationTimers,
    pageSize: options.pageSize ?? 100,
  });
  applySeed(state, seedName, now());

  const reset = (): void => {
    operationTimers.clear();
    state.clear();
    applySeed(state, seedName, now());
    vault.reset();
    devops.reset();
    github.reset();
    sinks.reset();
    faults.clear();
    callLog.length = 0;
  };

  const adminRouter = new Router();
  mountAdmin(adminRouter, {
    calls: () => callLog,
    resetCalls: () => void (callLog.length = 0),
    injectFault: (rule) => faults.add(rule),
    clearFaults: () => faults.clear(),
    setThrottle: (value) => throttle.configure(value),
    reset,
    seedBulk: (bulk) => seedBulk(state, bulk, now()),
    summary: () => ({ url, seed: seedName, throttling: throttle.enabled, faults: faults.size, calls: callLog.length, ...state.summary(), operationTimers: operationTimers.size }),
  });

  const record = (call: CallRecord): void => {
    if (callLog.length >= MAX_CALL_RECORDS) callLog.splice(0, callLog.length - MAX_CALL_RECORDS + 1);
    callLog.push(call);
  };

  dispatch = (incoming, outgoing) => {
    void handle(incoming, outgoing).catch((error: unknown) => {
      log(`request failed: ${error instanceof Error ? error.message : String(error)}`);
      if (!outgoing.headersSent) send(outgoing, armError(500, 'InternalServerError', 'The emulator failed to handle the request.'));
      else outgoing.destroy();
    });
  };

  const handle = async (incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> => {
    const arrived = new Date();
    const started = performance.now();
    const method = (incoming.method ?? 'GET').toUpperCase();
    const target = new URL(incoming.url ?? '/', url);
    const path = decodePath(target.pathname);
    const rawBody = await readBody(incoming);
    if (rawBody === undefined) {
      send(outgoing, armError(413, 'RequestEntityTooLarge', `The request body exceeds ${MAX_BODY_BYTES} bytes.`));
      return;
    }

    if (/^\/_emulator(\/|$)/.test(path)) {
      const parsed = parseBody(incoming.headers['content-type'], rawBody);
      const matched = adminRouter.match(method, path);
      const response: EmulatorResponse = !matched
        ? armError(404, 'NotFound', `No emulator admin route ${path}.`)
        : 'allowed' in matched
          ? { status: 405, headers: { allow: matched.allowed.join(', ') } }
          : await matched.handler({ method, path, query: target.searchParams, headers: incoming.headers, body: parsed.body, rawBody, params: matched.params, principal: 'anonymous' });
      send(outgoing, response);
      return;
    }

    if (options.latencyMs && options.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, options.latencyMs));
    let principal = 'anonymous';
    const sent = method === 'GET' || rawBody.length > MAX_RECORDED_BODY_BYTES ? undefined : parseBody(incoming.headers['content-type'], rawBody).body;
    const preconditions = Object.fromEntries(
      (['if-match', 'if-none-match'] as const).flatMap((name) => {
        const value = incoming.headers[name];
        return typeof value === 'string' ? [[name, value]] : [];
      }),
    );
    const finish = (response: EmulatorResponse): void => {
      send(outgoing, response);
      if (options.onArmExchange !== undefined && isArmPath(path)) {
        options.onArmExchange({
          method,
          url: `${target.pathname}${target.search}`,
          requestBody: rawBody.length === 0 ? undefined : parseBody(incoming.headers['content-type'], rawBody).body,
          status: response.status,
          responseHeaders: response.headers ?? {},
          responseBody: response.body,
        });
      }
      record({
        method,
        path,
        query: target.search,
        status: response.status,
        principal,
        ...(sent === undefined ? {} : { body: sent }),
        ...(Object.keys(preconditions).length === 0 ? {} : { preconditions }),
        time: arrived.toISOString(),
        durationMs: Math.round((performance.now() - started) * 100) / 100,
      });
    };

    const fault = faults.takeRequestFault(method, path);
    if (fault?.kind === 'reset') {
      record({ method, path, query: target.search, status: 0, principal, time: arrived.toISOString(), durationMs: 0 });
      incoming.socket.destroy();
      return;
    }
    if (fault) {
      log(`fault injected: ${method} ${path} → ${fault.status}`);
      finish({ status: fault.status, headers: fault.headers, ...(fault.body === undefined ? {} : { body: fault.body }) });
      return;
    }

    const parsed = parseBody(incoming.headers['content-type'], rawBody);
    if (parsed.malformed) {
      finish(armError(400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized: the body is not valid JSON.'));
      return;
    }

    const extraHeaders: Record<string, string> = {};
    if (isArmPath(path)) {
      const requestId = randomUUID();
      extraHeaders['x-ms-request-id'] = requestId;
      extraHeaders['x-ms-correlation-request-id'] = typeof incoming.headers['x-ms-correlation-request-id'] === 'string' ? incoming.headers['x-ms-correlation-request-id'] : requestId;
      const admission = await admitArmCall({ method, path, query: target.searchParams, headers: incoming.headers }, context, throttle);
      if (!admission.admitted) {
        finish(withHeaders(admission.response, extraHeaders));
        return;
      }
      principal = admission.principal;
      Object.assign(extraHeaders, admission.headers);
    }

    const matched = router.match(method, path);
    if (!matched) {
      finish(withHeaders(armError(404, isArmPath(path) ? 'InvalidResourceType' : 'NotFound', `No route for ${method} ${path}.`), extraHeaders));
      return;
    }
    if ('allowed' in matched) {
      finish(
        withHeaders(armError(405, 'MethodNotAllowed', `The method ${method} is not allowed on ${path}; allowed: ${matched.allowed.join(', ')}.`, { allow: matched.allowed.join(', ') }), extraHeaders),
      );
      return;
    }
    const response = await matched.handler({ method, path, query: target.searchParams, headers: incoming.headers, body: parsed.body, rawBody, params: matched.params, principal });
    const lost = faults.takeAcceptedFault(method, path);
    if (lost !== undefined) {
      log(`fault injected: ${method} ${path} handled (${response.status}), then ${lost.kind}`);
      record({ method, path, query: target.search, status: response.status, principal, ...(sent === undefined ? {} : { body: sent }), time: arrived.toISOString(), durationMs: 0 });
      if (lost.kind === 'accept-then-reset') incoming.socket.destroy();
      // accept-then-hang: no answer; the caller's timeout ends it (and close() drops the connection).
      if (lost.kind === 'accept-then-status') send(outgoing, { status: lost.status, headers: lost.headers, ...(lost.body === undefined ? {} : { body: lost.body }) });
      return;
    }
    finish(withHeaders(response, extraHeaders));
  };

  let caFile: string | undefined;
  if (options.certDir) {
    await mkdir(options.certDir, { recursive: true });
    caFile = join(options.certDir, CA_FILE_NAME);
    await writeFile(caFile, certificate.cert, 'utf8');
  }
  log(`listening on ${url} (seed ${seedName}${options.throttle ? ', throttling on' : ''})`);

  return {
    url,
    port,
    caPem: certificate.cert,
    ...(caFile ? { caFile } : {}),
    state,
    context,
    idp,
    events,
    vault,
    devops,
    github,
    sinks,
    injectFault: (rule) => faults.add(rule),
    clearFaults: () => faults.clear(),
    setThrottle: (value) => throttle.configure(value),
    calls: () => [...callLog],
    resetCalls: () => void (callLog.length = 0),
    reset,
    close: async () => {
      operationTimers.clear();
      await events.close();
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}

function withHeaders(response: EmulatorResponse, headers: Record<string, string>): EmulatorResponse {
  if (Object.keys(headers).length === 0) return response;
  return { ...response, headers: { ...headers, ...response.headers } };
}

/** Percent-decodes each segment; a malformed escape is kept as sent rather than failing the request. */
function decodePath(pathname: string): string {
  return pathname
    .split('/')
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        return segment;
      }
    })
    .join('/');
}

async function readBody(incoming: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of incoming) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function parseBody(contentType: string | undefined, rawBody: Buffer): { body: unknown; malformed: boolean } {
  if (rawBody.length === 0) return { body: undefined, malformed: false };
  const type = (contentType ?? '').toLowerCase();
  if (type.includes('application/x-www-form-urlencoded')) return { body: Object.fromEntries(new URLSearchParams(rawBody.toString('utf8'))), malformed: false };
  if (type.includes('json') || type === '') {
    try {
      return { body: JSON.parse(rawBody.toString('utf8')) as unknown, malformed: false };
    } catch {
      // Without a content type the body may be anything; only a declared JSON body is malformed.
      return { body: undefined, malformed: type.includes('json') };
    }
  }
  return { body: undefined, malformed: false };
}

function send(outgoing: ServerResponse, response: EmulatorResponse): void {
  const body = response.body;
  const raw = typeof body === 'string' || Buffer.isBuffer(body);
  const payload = body === undefined ? undefined : raw ? body : JSON.stringify(body);
  const headers: Record<string, string> = {
    ...(payload !== undefined && !raw ? { 'content-type': 'application/json; charset=utf-8' } : {}),
    ...response.headers,
  };
  if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload));
  outgoing.writeHead(response.status, headers);
  outgoing.end(payload);
}
