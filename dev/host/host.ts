/**
 * The offline Functions host: loads the app's entry module (its real registration code runs against the
 * `@azure/functions-core` API this host provides) and serves what it registered with Core Tools' paths:
 *
 * - HTTP triggers under `/api/<route>`;
 * - Event Grid triggers at `POST /runtime/webhooks/eventgrid?functionName=NAME&code=KEY` (the `eventgrid_extension`
 *   system key, as in Azure; see `hostKeys.ts`);
 * - with the master key: `POST /admin/functions/NAME` `{"input": "..."}` → 202, runs any non-HTTP function;
 *   `GET /admin/functions` (binding metadata), `GET /admin/host/status`, `GET /admin/host/systemkeys/NAME`;
 * - timer triggers on their NCRONTAB schedules;
 * - Storage Queue triggers from the queues their connection names (Azurite), with host.json's `extensions.queues`
 *   (`queueListener.ts`).
 *
 * One app per process: module caching means an entry registers its functions once, so every host started in
 * a process serves that one registry, and starting one with a different entry throws.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { coreRegistry, HOST_VERSION, installCoreApi, type CoreRegistry } from './coreApi.js';
import type { AppStartContext, HookContext, HookData, RpcInvocationResponse, RpcLogLevel, RpcTypedData } from './coreTypes.js';
import { readEventGridDelivery, type EventGridEvent } from './eventGridDelivery.js';
import { EVENT_GRID_SYSTEM_KEY, eventGridWebhookUrl, isAcceptedKey, newHostKeys, presentedKey, type HostKeys } from './hostKeys.js';
import { FunctionInvocationError, FunctionInvoker, timestamped, type HostLog } from './functionInvoker.js';
import { describeHostedFunction, hostFunction, httpFunctionUrl, type HostedFunction } from './hostedFunction.js';
import { HttpRouteTable } from './httpRouteTable.js';
import { fromRpcHttpResponse, fromRpcTypedData, toHttpTriggerMetadata, toRpcHttpRequest, toRpcTypedData } from './rpcHttp.js';
import { readQueueOptions, startQueueListeners, type QueueListener } from './queueListener.js';
import { TimerScheduler, timerInfo, type TimerInfo } from './timerScheduler.js';

export interface StartHostOptions {
  /** The app's entry module: a path (relative to the working directory) or a `file:` URL. */
  readonly entry: string;
  /** 0 (default) = a free port; `npm start` uses 7071. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** App settings, merged into `process.env` before the entry is imported (the app and `%SETTING%` expressions read them there). */
  readonly env?: Readonly<Record<string, string>>;
  /** Where log lines go; default stdout. */
  readonly log?: (line: string) => void;
  /** Fire timer triggers on their schedules (default true); tests turn this off and run them through the admin API. */
  readonly timers?: boolean;
  /** Default `api`, like host.json's `extensions.http.routePrefix`. */
  readonly routePrefix?: string;
  /** The master and system keys; default: fresh random ones. */
  readonly keys?: HostKeys;
  /** Listen to the queues of queue-triggered functions (default true). */
  readonly queues?: boolean;
  /** host.json's content; default: `host.json` of the working directory, when there is one. */
  readonly hostJson?: unknown;
}

/** What a programmatic invocation produced. */
export interface InvocationResult {
  readonly invocationId: string;
  /** The function's return value as the host received it (HTTP responses as `{status, headers, body}`). */
  readonly returnValue: unknown;
  /** Named output bindings. */
  readonly outputs: Readonly<Record<string, unknown>>;
}

export interface FunctionsHost {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  readonly url: string;
  readonly port: number;
  readonly functions: readonly HostedFunction[];
  readonly keys: HostKeys;
  /** The Event Grid webhook of a function, with its system key: what an Event Grid subscription's endpoint holds. */
  eventGridUrl(functionName: string): string;
  /**
   * Runs a non-HTTP function now and waits for it: `input` is the trigger's value (an event object for Event
   * Grid, a string for generic triggers; timers get the host's timer info when it is omitted).
   * Rejects with `FunctionInvocationError` when the function throws.
   */
  invoke(name: string, input?: unknown): Promise<InvocationResult>;
  /** Stops listening and the timers, waits for running invocations, runs the app's terminate hooks. */
  close(): Promise<void>;
}

/** The request body the host accepts, like the real one's limit. */
const MAX_BODY_BYTES = 100 * 1024 * 1024;
const ADMIN_REASON = 'This function was programmatically called via the host APIs.';

export class HostStartError extends Error {
  override readonly name = 'HostStartError';
}

class HttpProblem extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

function entryKey(entry: string): { key: string; specifier: string } {
  if (entry.startsWith('file:')) {
    const path = fileURLToPath(entry);
    return { key: path, specifier: process.platform === 'win32' ? entry : path };
  }
  const path = isAbsolute(entry) ? entry : resolve(process.cwd(), entry);
  // An absolute path imports under both Node and vitest's module runner on POSIX; Windows needs a URL.
  return { key: path, specifier: process.platform === 'win32' ? pathToFileURL(path).href : path };
}

/** The one entry this process loads: later hosts await the same load (and see the same failure, if it failed). */
let entryLoad: { readonly key: string; readonly done: Promise<void> } | undefined;

function loadEntry(registry: CoreRegistry, entry: string, log: HostLog): Promise<void> {
  const { key, specifier } = entryKey(entry);
  if (entryLoad !== undefined) {
    if (entryLoad.key === key) return entryLoad.done;
    return Promise.reject(
      new HostStartError(
        `This process already serves the app from '${entryLoad.key}'; Node caches modules, so an app registers its functions once per process. Start the host for '${key}' in another process.`,
      ),
    );
  }
  installCoreApi();
  entryLoad = { key, done: importEntry(registry, key, specifier, log) };
  return entryLoad.done;
}

async function importEntry(registry: CoreRegistry, key: string, specifier: string, log: HostLog): Promise<void> {
  log(timestamped(`Loading entry point file "${key}"`));
  await import(specifier);
  const model = registry.programmingModel;
  if (model?.getCapabilities !== undefined) {
    const capabilities = await model.getCapabilities({});
    if (capabilities['HttpUri'] !== undefined) {
      throw new HostStartError('The app enabled HTTP streaming (app.setup({ enableHttpStream: true })), which the offline host does not support.');
    }
  }
  registry.finishStartup();
}

function appHookContext(registry: CoreRegistry): HookContext {
  const hookData: HookData = registry.appLevelOnlyHookData;
  const appHookData: HookData = registry.appHookData;
  return {
    get hookData() {
      return hookData;
    },
    get appHookData() {
      return appHookData;
    },
  };
}

export async function startHost(options: StartHostOptions): Promise<FunctionsHost> {
  const log: HostLog = options.log ?? ((line) => process.stdout.write(`${line}\n`));
  const routePrefix = (options.routePrefix ?? 'api').replace(/^\/+|\/+$/g, '');
  const keys = options.keys ?? newHostKeys();
  for (const [name, value] of Object.entries(options.env ?? {})) process.env[name] = value;

  const registry = coreRegistry();
  const invoker = new FunctionInvoker(registry, log);
  registry.setSystemLog((level: RpcLogLevel, category, message) => invoker.log(level, category, message));
  await loadEntry(registry, options.entry, log);

  const appStart: AppStartContext = { ...appHookContext(registry), functionAppDirectory: process.cwd() };
  await registry.executeHooks('appStart', appStart);

  const functions = registry.functions.map((registered) => hostFunction(registered, process.env));
  for (const fn of functions) if (fn.error !== undefined) log(timestamped(fn.error));
  if (functions.length === 0) log(timestamped('No job functions found.'));

  const routes = new HttpRouteTable<HostedFunction>();
  for (const fn of functions) {
    if (fn.kind === 'http' && fn.error === undefined && fn.route !== undefined) routes.add(fn.name, fn.route, fn.methods, fn);
  }
  const findFunction = (name: string): HostedFunction | undefined => functions.find((fn) => fn.name.toLowerCase() === name.toLowerCase());

  const running = new Set<Promise<unknown>>();
  const track = <T>(promise: Promise<T>): Promise<T> => {
    running.add(promise);
    const forget = (): void => {
      running.delete(promise);
    };
    promise.then(forget, forget);
    return promise;
  };

  const invokeWithInput = (fn: HostedFunction, data: RpcTypedData | undefined, reason: string, triggerMetadata?: Record<string, RpcTypedData>) =>
    track(
      invoker.invoke(fn, {
        inputData: [{ name: fn.trigger.name, data: data ?? null }],
        triggerMetadata: { ...(triggerMetadata ?? {}), sys: sysMetadata(fn.name) },
        reason,
      }),
    );

  const manualTimerInfo = (fn: HostedFunction): TimerInfo => {
    const now = new Date();
    return timerInfo(fn, undefined, now, now);
  };

  const scheduler = new TimerScheduler((fn, info, reason) => invokeWithInput(fn, { json: JSON.stringify(info) }, reason));
  let baseUrl = '';

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = requestUrl(request, baseUrl);
    const path = url.pathname;
    const lower = path.toLowerCase();
    const method = requestMethod(request);

    if (lower === '/admin' || lower.startsWith('/admin/')) {
      if (!isAcceptedKey(presentedKey(url, request.headers), [keys.masterKey])) return sendEmpty(response, 401);
    }
    const systemKey = /^\/admin\/host\/systemkeys\/([^/]+)\/?$/i.exec(path);
    if (systemKey !== null && method === 'GET') {
      const name = decodeURIComponent(systemKey[1] ?? '');
      const value = keys.systemKeys[name];
      return value === undefined ? sendEmpty(response, 404) : sendJson(response, 200, { name, value });
    }
    if (lower === '/admin/host/status' && method === 'GET') {
      return sendJson(response, 200, { id: hostId, state: 'Running', version: HOST_VERSION, processUptime: Math.round(process.uptime() * 1000) });
    }
    if (lower === '/admin/functions' && method === 'GET') {
      return sendJson(response, 200, functions.map((fn) => functionStatus(fn, baseUrl, routePrefix)));
    }
    const adminFunction = /^\/admin\/functions\/([^/]+)\/?$/i.exec(path);
    if (adminFunction !== null) {
      const fn = findFunction(decodeURIComponent(adminFunction[1] ?? ''));
      if (fn === undefined) return sendEmpty(response, 404);
      if (method === 'GET') return sendJson(response, 200, functionStatus(fn, baseUrl, routePrefix));
      if (method !== 'POST') return sendEmpty(response, 405);
      return adminInvoke(fn, await readBody(request), response);
    }
    if (lower === '/runtime/webhooks/eventgrid' || lower === '/runtime/webhooks/eventgrid/') {
      if (!isAcceptedKey(presentedKey(url, request.headers), [keys.systemKeys[EVENT_GRID_SYSTEM_KEY], keys.masterKey])) return sendEmpty(response, 401);
      return eventGridWebhook(request, url, response);
    }
    const prefix = routePrefix === '' ? '/' : `/${routePrefix.toLowerCase()}`;
    if (routePrefix === '' || lower === prefix || lower.startsWith(`${prefix}/`)) {
      const rest = routePrefix === '' ? path : path.slice(prefix.length);
      const match = routes.match(method, rest);
      if (match !== undefined) {
        const opening = keysForAuthLevel(match.target, keys);
        if (opening !== 'anyone' && !isAcceptedKey(presentedKey(url, request.headers), opening)) return sendEmpty(response, 401);
        return httpInvoke(match.target, match.params, request, url, response);
      }
      return sendEmpty(response, 404);
    }
    if (path === '/' && (method === 'GET' || method === 'HEAD')) {
      return sendText(response, 200, 'Your Functions 4.0 app is up and running (offline host).');
    }
    return sendEmpty(response, 404);
  };

  const httpInvoke = async (
    fn: HostedFunction,
    params: Record<string, string>,
    request: IncomingMessage,
    url: URL,
    response: ServerResponse,
  ): Promise<void> => {
    const body = await readBody(request);
    const http = toRpcHttpRequest({ method: request.method ?? 'GET', url: url.href, headers: request.headers, params, body });
    let outcome;
    try {
      outcome = await track(
        invoker.invoke(fn, {
          inputData: [{ name: fn.trigger.name, data: { http } }],
          triggerMetadata: { ...toHttpTriggerMetadata(http), sys: sysMetadata(fn.name) },
          reason: ADMIN_REASON,
          ...(typeof request.headers.traceparent === 'string' ? { traceParent: request.headers.traceparent } : {}),
        }),
      );
    } catch (error) {
      if (error instanceof FunctionInvocationError) return sendEmpty(response, 500);
      throw error;
    }
    const result = fromRpcHttpResponse(httpOutput(fn, outcome.response));
    const bodyless = result.status === 204 || result.status === 304 || requestMethod(request) === 'HEAD';
    response.writeHead(result.status, bodyless ? result.headers : { ...result.headers, 'content-length': result.body.length });
    response.end(bodyless ? undefined : result.body);
  };

  const eventGridWebhook = async (request: IncomingMessage, url: URL, response: ServerResponse): Promise<void> => {
    const method = requestMethod(request);
    const functionName = url.searchParams.get('functionName') ?? '';
    const fn = findFunction(functionName);
    if (fn === undefined || fn.kind !== 'eventGrid') return sendText(response, 404, `No Event Grid function named '${functionName}'.`);
    if (method === 'OPTIONS') {
      // The CloudEvents webhook validation handshake (abuse protection).
      const origin = request.headers['webhook-request-origin'];
      if (typeof origin !== 'string') return sendEmpty(response, 400);
      response.writeHead(200, { 'webhook-allowed-origin': origin, 'webhook-allowed-rate': '*', allow: 'POST' });
      return void response.end();
    }
    if (method !== 'POST') return sendEmpty(response, 405);
    const body = (await readBody(request)).toString('utf8');
    const header = request.headers['aeg-event-type'];
    const delivery = readEventGridDelivery(typeof header === 'string' ? header : undefined, request.headers['content-type'], body);
    switch (delivery.kind) {
      case 'invalid':
        return sendText(response, 400, delivery.message);
      case 'validation':
        return sendJson(response, 200, { validationResponse: delivery.validationCode });
      case 'deletion':
        return sendEmpty(response, 202);
      case 'notification': {
        if (fn.error !== undefined) return sendEmpty(response, 500);
        // Like the extension: every event in parallel, and one failure fails the delivery so Event Grid retries it.
        const results = await Promise.allSettled(
          delivery.events.map((event) => invokeWithInput(fn, { json: JSON.stringify(event) }, `EventGrid trigger fired at ${new Date().toISOString()}`, eventMetadata(event))),
        );
        const failed = results.filter((result) => result.status === 'rejected').length;
        if (failed > 0) return sendText(response, 500, `${failed} of ${results.length} invocations of '${fn.name}' failed.`);
        return sendEmpty(response, 200);
      }
    }
  };

  const adminInvoke = (fn: HostedFunction, body: Buffer, response: ServerResponse): void => {
    if (fn.kind === 'http') return sendText(response, 400, `'${fn.name}' is an HTTP function; call it at its route.`);
    const parsed = adminBodySchema.safeParse(parseJsonOrUndefined(body));
    if (!parsed.success) return sendText(response, 400, 'The body must be JSON: {"input": "..."}.');
    const input = parsed.data.input;
    const data: RpcTypedData | undefined = fn.kind === 'timer' ? { json: JSON.stringify(manualTimerInfo(fn)) } : input === undefined ? undefined : { string: input };
    // The host answers at once and runs the function in the background, like Core Tools.
    invokeWithInput(fn, data, ADMIN_REASON).catch(() => {
      // Logged by the invoker.
    });
    sendEmpty(response, 202);
  };

  const hostId = randomUUID().replace(/-/g, '').slice(0, 32);
  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (error instanceof HttpProblem) return sendText(response, error.status, error.message);
      log(timestamped(`The host failed to handle ${request.method ?? ''} ${request.url ?? ''}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`));
      if (!response.headersSent) sendEmpty(response, 500);
      else response.destroy();
    });
  });
  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', rejectListen);
      resolveListen();
    });
  });
  const address = server.address() as AddressInfo;
  const hostName = options.host ?? '127.0.0.1';
  baseUrl = `http://${hostName.includes(':') ? `[${hostName}]` : hostName}:${address.port}`;
  if (options.timers !== false) scheduler.start(functions);
  const queueListeners: QueueListener[] =
    options.queues === false
      ? []
      : await startQueueListeners(
          functions,
          process.env,
          readQueueOptions(options.hostJson ?? readHostJson()),
          (fn, data, metadata) => invokeWithInput(fn, data, `New queue message detected on '${String(fn.trigger['queueName'])}'.`, metadata),
          (line) => log(timestamped(line)),
        );
  log(timestamped(`Host started (${HOST_VERSION}) on ${baseUrl}`));

  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    scheduler.stop();
    await Promise.all(queueListeners.map((listener) => listener.stop()));
    const stopped = new Promise<void>((resolveClose) => server.close(() => resolveClose()));
    server.closeIdleConnections();
    while (running.size > 0) await Promise.allSettled([...running]);
    server.closeAllConnections();
    await stopped;
    await registry.executeHooks('appTerminate', appHookContext(registry));
    log(timestamped('Host stopped'));
  };

  return {
    url: baseUrl,
    port: address.port,
    functions,
    keys,
    eventGridUrl: (functionName) => eventGridWebhookUrl(baseUrl, functionName, keys),
    async invoke(name: string, input?: unknown): Promise<InvocationResult> {
      const fn = findFunction(name);
      if (fn === undefined) throw new Error(`No function named '${name}'`);
      if (fn.kind === 'http') throw new Error(`'${fn.name}' is an HTTP function; call it at ${httpFunctionUrl(fn, baseUrl, routePrefix)}`);
      const data = fn.kind === 'timer' && input === undefined ? { json: JSON.stringify(manualTimerInfo(fn)) } : toRpcTypedData(input);
      const event = fn.kind === 'eventGrid' && isEvent(input) ? eventMetadata(input) : undefined;
      const outcome = await invokeWithInput(fn, data, ADMIN_REASON, event);
      return readResult(outcome.invocationId, outcome.response);
    },
    close(): Promise<void> {
      closing ??= close();
      return closing;
    },
  };
}

/** host.json of the function app's folder (the working directory), or nothing when there is none. */
function readHostJson(): unknown {
  const file = join(process.cwd(), 'host.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
}

/**
 * The keys that open an HTTP function, by its `authLevel`: none for `anonymous`; a function key or the master key
 * for `function` (the default of function.json); the master key for `admin`.
 */
function keysForAuthLevel(fn: HostedFunction, keys: HostKeys): readonly string[] | 'anyone' {
  const level = typeof fn.trigger['authLevel'] === 'string' ? fn.trigger['authLevel'].toLowerCase() : 'function';
  if (level === 'anonymous') return 'anyone';
  if (level === 'admin') return [keys.masterKey];
  return [...Object.values(keys.functionKeys), keys.masterKey];
}

/** What `startHost` logs and `main` prints: one line per function, HTTP ones with their methods and URL. */
export function describeFunctions(host: Pick<FunctionsHost, 'functions' | 'url'>, routePrefix = 'api'): string[] {
  return host.functions.map((fn) => describeHostedFunction(fn, host.url, routePrefix));
}

const adminBodySchema = z.object({ input: z.string().optional() }).loose();

function parseJsonOrUndefined(body: Buffer): unknown {
  const text = body.toString('utf8').trim();
  if (text === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The URL as the client addressed the host (its Host header), which is what a function sees as `request.url`. */
function requestUrl(request: IncomingMessage, baseUrl: string): URL {
  const host = request.headers.host;
  if (host !== undefined && host !== '') {
    try {
      return new URL(request.url ?? '/', `http://${host}`);
    } catch {
      // Not a usable Host header: fall back to the address the host listens on.
    }
  }
  return new URL(request.url ?? '/', baseUrl);
}

function requestMethod(request: IncomingMessage): string {
  return (request.method ?? 'GET').toUpperCase();
}

function functionStatus(fn: HostedFunction, baseUrl: string, routePrefix: string): Record<string, unknown> {
  return {
    name: fn.name,
    language: 'node',
    isDisabled: false,
    ...(fn.error === undefined ? {} : { error: fn.error }),
    trigger: fn.trigger.type,
    bindings: fn.bindings,
    ...(fn.kind === 'http' ? { invoke_url_template: httpFunctionUrl(fn, baseUrl, routePrefix), methods: fn.methods ?? null } : {}),
    ...(fn.schedule === undefined ? {} : { schedule: fn.schedule.expression }),
  };
}

function httpOutput(fn: HostedFunction, response: RpcInvocationResponse): Parameters<typeof fromRpcHttpResponse>[0] {
  const binding = fn.bindings.find((candidate) => candidate.direction === 'out' && candidate.type.toLowerCase() === 'http');
  if (binding === undefined) return undefined;
  if (binding.name === '$return') return response.returnValue?.http;
  return response.outputData?.find((output) => output.name === binding.name)?.data?.http;
}

function readResult(invocationId: string, response: RpcInvocationResponse): InvocationResult {
  const outputs: Record<string, unknown> = {};
  for (const output of response.outputData ?? []) {
    if (typeof output.name === 'string') outputs[output.name] = fromRpcTypedData(output.data);
  }
  return { invocationId, returnValue: fromRpcTypedData(response.returnValue), outputs };
}

function isEvent(value: unknown): value is EventGridEvent {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The trigger metadata the host sends with an event (its top-level fields). */
function eventMetadata(event: EventGridEvent): Record<string, RpcTypedData> {
  const metadata: Record<string, RpcTypedData> = {};
  for (const [name, value] of Object.entries(event)) {
    const data = toRpcTypedData(value);
    if (data !== undefined) metadata[name] = data;
  }
  return metadata;
}

function sysMetadata(functionName: string): RpcTypedData {
  return { json: JSON.stringify({ MethodName: functionName, UtcNow: new Date().toISOString(), RandGuid: randomUUID() }) };
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new HttpProblem(413, 'The request body is too large.');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

function sendText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

function sendEmpty(response: ServerResponse, status: number): void {
  response.writeHead(status, { 'content-length': 0 });
  response.end();
}
