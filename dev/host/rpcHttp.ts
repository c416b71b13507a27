/**
 * Translation between Node's HTTP messages and the RPC shapes the worker exchanges with the host:
 * a request becomes `RpcHttpData` (method, url, headers, query, route params, body as bytes);
 * the function's `RpcHttpData` response becomes a status, headers (cookies as `Set-Cookie`) and bytes.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { RpcHttpCookie, RpcHttpData, RpcTypedData } from './coreTypes.js';

export interface IncomingHttpRequest {
  readonly method: string;
  /** Absolute URL, as the client addressed the host. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly params: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

export interface OutgoingHttpResponse {
  readonly status: number;
  readonly headers: OutgoingHttpHeaders;
  readonly body: Buffer;
}

export function toRpcHttpRequest(request: IncomingHttpRequest): RpcHttpData {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  // The host joins repeated query keys with commas.
  const query: Record<string, string> = {};
  for (const [name, value] of new URL(request.url).searchParams) {
    query[name] = name in query ? `${query[name]},${value}` : value;
  }
  const data: RpcHttpData = {
    method: request.method.toUpperCase(),
    url: request.url,
    headers,
    query,
    params: { ...request.params },
  };
  if (request.body.length > 0) {
    data.body = { bytes: request.body };
    data.rawBody = { bytes: request.body };
  }
  return data;
}

/** The HTTP trigger's trigger metadata, as the host sends it alongside the request. */
export function toHttpTriggerMetadata(data: RpcHttpData): Record<string, RpcTypedData> {
  const metadata: Record<string, RpcTypedData> = {
    Headers: { json: JSON.stringify(data.headers ?? {}) },
    Query: { json: JSON.stringify(data.query ?? {}) },
  };
  for (const [name, value] of Object.entries(data.params ?? {})) metadata[name] = { string: value };
  return metadata;
}

/** A function that returned no HTTP response answers 204, with nothing in the body. */
export function fromRpcHttpResponse(data: RpcHttpData | null | undefined): OutgoingHttpResponse {
  if (data === null || data === undefined) return { status: 204, headers: {}, body: Buffer.alloc(0) };
  const status = Number.parseInt(data.statusCode ?? '200', 10);
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(data.headers ?? {})) {
    // Node computes these itself from the body it writes.
    if (name.toLowerCase() === 'content-length' || name.toLowerCase() === 'transfer-encoding') continue;
    headers[name.toLowerCase()] = value;
  }
  const cookies = (data.cookies ?? []).map(serializeCookie);
  if (cookies.length > 0) {
    const existing = headers['set-cookie'];
    const before = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
    headers['set-cookie'] = [...before, ...cookies];
  }
  return { status: Number.isInteger(status) && status >= 100 && status <= 599 ? status : 500, headers, body: typedDataToBytes(data.body) };
}

export function serializeCookie(cookie: RpcHttpCookie): string {
  const parts = [`${cookie.name ?? ''}=${cookie.value ?? ''}`];
  if (cookie.domain?.value) parts.push(`Domain=${cookie.domain.value}`);
  if (cookie.path?.value) parts.push(`Path=${cookie.path.value}`);
  const expiresSeconds = cookie.expires?.value?.seconds;
  if (typeof expiresSeconds === 'number') parts.push(`Expires=${new Date(expiresSeconds * 1000).toUTCString()}`);
  const maxAge = cookie.maxAge?.value;
  if (typeof maxAge === 'number') parts.push(`Max-Age=${Math.trunc(maxAge)}`);
  if (cookie.secure?.value === true) parts.push('Secure');
  if (cookie.httpOnly?.value === true) parts.push('HttpOnly');
  if (cookie.sameSite === 'lax') parts.push('SameSite=Lax');
  if (cookie.sameSite === 'strict') parts.push('SameSite=Strict');
  if (cookie.sameSite === 'explicitNone') parts.push('SameSite=None');
  return parts.join('; ');
}

export function typedDataToBytes(data: RpcTypedData | null | undefined): Buffer {
  if (data === null || data === undefined) return Buffer.alloc(0);
  if (data.bytes !== null && data.bytes !== undefined) return Buffer.from(data.bytes);
  if (data.stream !== null && data.stream !== undefined) return Buffer.from(data.stream);
  if (typeof data.string === 'string') return Buffer.from(data.string, 'utf8');
  if (typeof data.json === 'string') return Buffer.from(data.json, 'utf8');
  if (typeof data.int === 'number') return Buffer.from(String(data.int), 'utf8');
  if (typeof data.double === 'number') return Buffer.from(String(data.double), 'utf8');
  return Buffer.alloc(0);
}

/** A typed value as a plain JavaScript value (JSON parsed, bytes as a Buffer). */
export function fromRpcTypedData(data: RpcTypedData | null | undefined): unknown {
  if (data === null || data === undefined) return undefined;
  if (typeof data.string === 'string') return data.string;
  if (typeof data.json === 'string') return JSON.parse(data.json) as unknown;
  if (data.bytes !== null && data.bytes !== undefined) return Buffer.from(data.bytes);
  if (data.stream !== null && data.stream !== undefined) return Buffer.from(data.stream);
  if (data.http !== null && data.http !== undefined) return fromRpcHttpResponse(data.http);
  if (typeof data.int === 'number') return data.int;
  if (typeof data.double === 'number') return data.double;
  if (data.collectionString?.string) return data.collectionString.string;
  if (data.collectionDouble?.double) return data.collectionDouble.double;
  if (data.collectionSint64?.sint64) return data.collectionSint64.sint64;
  if (data.collectionBytes?.bytes) return data.collectionBytes.bytes.map((bytes) => Buffer.from(bytes));
  return undefined;
}

/** A value the host hands a function as input: strings stay strings, everything else is JSON. */
export function toRpcTypedData(value: unknown): RpcTypedData | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return { string: value };
  if (Buffer.isBuffer(value)) return { bytes: value };
  return { json: JSON.stringify(value) };
}
