import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulatorCertificate } from '../../../dev/emulator/tls.js';
import { createHttpClient, describeTarget } from '../../../src/adapters/http/httpClient.js';
import { appErrorOf } from '../../helpers/appErrors.js';

type Handler = (request: IncomingMessage, body: string, response: ServerResponse) => void;

const routes: Record<string, Handler> = {
  '/json': (_request, _body, response) => {
    response.writeHead(200, { 'content-type': 'application/json', 'x-answer': '42' }).end('{"ok":true}');
  },
  '/echo': (request, body, response) => {
    response
      .writeHead(201, { 'content-type': 'application/json' })
      .end(JSON.stringify({ method: request.method, contentType: request.headers['content-type'], custom: request.headers['x-custom'], body }));
  },
  '/throttled': (_request, _body, response) => {
    response.writeHead(429, { 'retry-after': '1' }).end('{}');
  },
  '/missing': (_request, _body, response) => {
    response.writeHead(404).end('{"error":{"code":"NotFound"}}');
  },
  '/text': (_request, _body, response) => {
    response.writeHead(200, { 'content-type': 'text/plain' }).end('hello');
  },
  '/slow': () => {
    // Never answers: the client's timeout must end the request.
  },
};

let requestCount = 0;
function serve(request: IncomingMessage, response: ServerResponse): void {
  requestCount += 1;
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const handler = routes[new URL(request.url ?? '/', 'http://x').pathname];
    if (handler) handler(request, Buffer.concat(chunks).toString('utf8'), response);
    else response.writeHead(500).end();
  });
}

const certificate = createEmulatorCertificate();
const httpsServer = createHttpsServer({ cert: certificate.cert, key: certificate.key }, serve);
const httpServer = createServer(serve);
let httpsBase = '';
let httpBase = '';

beforeAll(async () => {
  await new Promise<void>((resolve) => httpsServer.listen(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  httpsBase = `https://127.0.0.1:${(httpsServer.address() as AddressInfo).port}`;
  httpBase = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
});

afterAll(async () => {
  httpsServer.closeAllConnections();
  httpServer.closeAllConnections();
  await new Promise((resolve) => httpsServer.close(resolve));
  await new Promise((resolve) => httpServer.close(resolve));
});

const client = createHttpClient({ timeoutMs: 5_000, ca: certificate.cert });


describe('HTTP client adapter', () => {
  it('GETs JSON over HTTPS trusting the configured CA', async () => {
    expect(await client.getJson(`${httpsBase}/json`)).toEqual({ ok: true });
  });

  it('refuses a server whose certificate is not trusted, as a transient upstream failure', async () => {
    const untrusting = createHttpClient({ timeoutMs: 5_000 });
    const error = await appErrorOf(untrusting.getJson(`${httpsBase}/json`));
    expect(error.code).toBe('UpstreamTransient');
  });

  it('sends method, headers and body and returns status, lower-cased headers and the body text', async () => {
    const response = await client.request({
      method: 'post',
      url: `${httpsBase}/echo`,
      headers: { 'Content-Type': 'application/json', 'X-Custom': 'yes' },
      body: '{"a":1}',
    });
    expect(response.status).toBe(201);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.json()).toEqual({ method: 'POST', contentType: 'application/json', custom: 'yes', body: '{"a":1}' });
  });

  it('returns non-2xx statuses from request() without throwing and without retrying', async () => {
    const before = requestCount;
    const response = await client.request({ method: 'GET', url: `${httpsBase}/throttled` });
    expect(response.status).toBe(429);
    expect(response.headers['retry-after']).toBe('1');
    expect(requestCount - before).toBe(1);
  });

  it('getJson maps 429 to UpstreamTransient and 404 to UpstreamPermanent', async () => {
    expect((await appErrorOf(client.getJson(`${httpsBase}/throttled`))).code).toBe('UpstreamTransient');
    expect((await appErrorOf(client.getJson(`${httpsBase}/missing`))).code).toBe('UpstreamPermanent');
  });

  it('getJson rejects a body that is not JSON as UpstreamPermanent', async () => {
    const error = await appErrorOf(client.getJson(`${httpsBase}/text`));
    expect(error.code).toBe('UpstreamPermanent');
  });

  it('ends a request that outlives its timeout with UpstreamTransient', async () => {
    const error = await appErrorOf(client.request({ method: 'GET', url: `${httpsBase}/slow`, timeoutMs: 200 }));
    expect(error.code).toBe('UpstreamTransient');
    expect(error.message).toContain('timed out');
  });

  it('maps a refused connection to UpstreamTransient', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await appErrorOf(client.request({ method: 'GET', url: `https://127.0.0.1:${port}/` }));
    expect(error.code).toBe('UpstreamTransient');
  });

  it('speaks plain http to loopback only', async () => {
    expect(await client.getJson(`${httpBase}/json`)).toEqual({ ok: true });
    const error = await appErrorOf(client.request({ method: 'GET', url: 'http://example.invalid/hook' }));
    expect(error.code).toBe('ConfigurationError');
  });

  it('keeps the path and query of a URL out of error messages, since webhook URLs carry secrets', async () => {
    const error = await appErrorOf(client.getJson(`${httpsBase}/missing?sig=TOPSECRET`));
    expect(error.message).not.toContain('TOPSECRET');
    expect(error.message).toContain('127.0.0.1');
    expect(describeTarget('https://outlook.office.com/webhook/abc/secret')).toBe('outlook.office.com');
  });
});
