/**
 * The outbound HTTP adapter used by CD targets, notifiers, token and JWKS fetches.
 * Built on the Azure SDK's pipeline so it honours the same extra CA as the SDK clients.
 * It never retries: callers decide (Event Grid redelivers a failed event anyway).
 */
import type { HttpClient as PipelineHttpClient, HttpMethods, Pipeline } from '@azure/core-rest-pipeline';
import { AppError } from '../../errors.js';

export interface HttpRequestOptions {
  readonly method: string;
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
  /** Overrides the client's default timeout for this request. */
  readonly timeoutMs?: number;
}

export interface HttpResponse {
  readonly status: number;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  readonly bodyText: string;
  /** The body parsed as JSON; `UpstreamPermanent` when it is not JSON. */
  json(): unknown;
}

export interface HttpClient {
  /** Sends one request. Any status is returned; network failures and timeouts throw `UpstreamTransient`. */
  request(options: HttpRequestOptions): Promise<HttpResponse>;
  /** GET returning parsed JSON; 429/5xx → `UpstreamTransient`, other non-2xx → `UpstreamPermanent`. */
  getJson(url: string, options?: { readonly headers?: Readonly<Record<string, string>>; readonly timeoutMs?: number }): Promise<unknown>;
}

export interface HttpClientOptions {
  readonly timeoutMs: number;
  /** PEM of an extra CA to trust (the local emulator's). */
  readonly ca?: string | undefined;
}

const MODULE = 'httpClient';

type CoreRestPipeline = typeof import('@azure/core-rest-pipeline');

interface Transport {
  readonly sdk: CoreRestPipeline;
  readonly pipeline: Pipeline;
  readonly client: PipelineHttpClient;
}

const httpMethods: readonly HttpMethods[] = ['GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'TRACE'];

function toHttpMethod(method: string): HttpMethods {
  const found = httpMethods.find((candidate) => candidate === method.toUpperCase());
  if (found === undefined) throw new AppError('Internal', `Unsupported HTTP method ${method}`, { module: MODULE });
  return found;
}

/** Only loopback may be spoken to over plain http (local sinks); everything else needs TLS. */
export function isLoopbackHttp(url: URL): boolean {
  return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

/** Names the host only: webhook URLs carry their secret in the path or query. */
export function describeTarget(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'an invalid URL';
  }
}

export function createHttpClient(options: HttpClientOptions): HttpClient {
  return new PipelineBackedHttpClient(options);
}

class PipelineBackedHttpClient implements HttpClient {
  readonly #options: HttpClientOptions;
  #transport: Promise<Transport> | undefined;

  constructor(options: HttpClientOptions) {
    this.#options = options;
  }

  // Loaded on first use so the app's entry stays cheap to import.
  #loadTransport(): Promise<Transport> {
    this.#transport ??= import('@azure/core-rest-pipeline').then((sdk) => {
      const pipeline = sdk.createPipelineFromOptions({
        ...(this.#options.ca === undefined ? {} : { tlsOptions: { ca: this.#options.ca } }),
        userAgentOptions: { userAgentPrefix: 'aml-warden' },
      });
      pipeline.removePolicy({ phase: 'Retry' });
      return { sdk, pipeline, client: sdk.createDefaultHttpClient() };
    });
    return this.#transport;
  }

  async request(options: HttpRequestOptions): Promise<HttpResponse> {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new AppError('ConfigurationError', 'Outbound request to an invalid URL', { module: MODULE });
    }
    if (url.protocol !== 'https:' && !isLoopbackHttp(url)) {
      throw new AppError('ConfigurationError', `Outbound request to ${url.host} must use https`, { module: MODULE });
    }
    const transport = await this.#loadTransport();
    const timeoutMs = options.timeoutMs ?? this.#options.timeoutMs;
    const request = transport.sdk.createPipelineRequest({
      url: url.href,
      method: toHttpMethod(options.method),
      headers: transport.sdk.createHttpHeaders(options.headers === undefined ? {} : { ...options.headers }),
      // Covers connecting and the response headers...
      timeout: timeoutMs,
      // ...and this covers reading the body too.
      abortSignal: AbortSignal.timeout(timeoutMs),
      allowInsecureConnection: isLoopbackHttp(url),
      ...(options.body === undefined ? {} : { body: options.body }),
    });
    try {
      const response = await transport.pipeline.sendRequest(transport.client, request);
      const bodyText = response.bodyAsText ?? '';
      const headers: Record<string, string> = {};
      for (const [name, value] of response.headers) headers[name.toLowerCase()] = value;
      return {
        status: response.status,
        headers,
        bodyText,
        json: () => parseJson(bodyText, url.host),
      };
    } catch (error) {
      throw toTransportError(error, url.host, timeoutMs);
    }
  }

  async getJson(url: string, options: { readonly headers?: Readonly<Record<string, string>>; readonly timeoutMs?: number } = {}): Promise<unknown> {
    const response = await this.request({
      method: 'GET',
      url,
      headers: { accept: 'application/json', ...options.headers },
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    });
    assertSuccess(response, `GET ${describeTarget(url)}`);
    return response.json();
  }
}

/** Throws the AppError a non-2xx status means: throttling and server errors are worth retrying, the rest are not. */
export function assertSuccess(response: HttpResponse, what: string): void {
  if (response.status >= 200 && response.status < 300) return;
  const code = response.status === 429 || response.status === 408 || response.status >= 500 ? 'UpstreamTransient' : 'UpstreamPermanent';
  throw new AppError(code, `${what} answered ${response.status}`, { module: MODULE, details: [{ target: 'status', message: String(response.status) }] });
}

function parseJson(text: string, host: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new AppError('UpstreamPermanent', `${host} answered with a body that is not JSON`, { module: MODULE });
  }
}

function toTransportError(error: unknown, host: string, timeoutMs: number): AppError {
  if (error instanceof AppError) return error;
  const name = error instanceof Error ? error.name : '';
  if (name === 'AbortError' || name === 'TimeoutError') {
    return new AppError('UpstreamTransient', `Request to ${host} timed out after ${timeoutMs} ms`, { module: MODULE });
  }
  const code = typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : 'network error';
  return new AppError('UpstreamTransient', `Request to ${host} failed: ${code}`, { module: MODULE });
}
