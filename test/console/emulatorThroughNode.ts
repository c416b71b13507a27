/**
 * Chromium reaches the playground's emulator (HTTPS with a certificate made at start) through the test process:
 * Playwright hands each request for the emulator's origin to Node, which sends it trusting the emulator's CA
 * explicitly — as the app does through NODE_EXTRA_CA_CERTS — and gives the answer back as it came. Certificate checks
 * stay on everywhere: Chromium never opens a connection to the emulator, and Node checks its certificate against the CA.
 */
import http from 'node:http';
import https from 'node:https';
import type { BrowserContext, Route } from 'playwright-core';

interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

/** Headers that describe one connection, not the message; Node and Chromium set their own. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'host', 'content-length', 'accept-encoding']);

function send(url: URL, method: string, headers: Record<string, string>, body: Buffer | null, ca: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = https.request(url, { method, headers: { ...headers, 'accept-encoding': 'identity', ...(body === null ? {} : { 'content-length': String(body.length) }) }, ca, timeout: 20_000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 502, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error(`timeout: ${method} ${url.href}`)));
    outgoing.on('error', reject);
    outgoing.end(body ?? undefined);
  });
}

async function forward(route: Route, ca: string): Promise<void> {
  const request = route.request();
  const headers = Object.fromEntries(Object.entries(await request.allHeaders()).filter(([name]) => !HOP_BY_HOP.has(name.toLowerCase())));
  const answer = await send(new URL(request.url()), request.method(), headers, request.postDataBuffer(), ca);
  const answerHeaders: Record<string, string> = {};
  for (const [name, value] of Object.entries(answer.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    // Playwright takes several Set-Cookie values joined by newlines.
    answerHeaders[name] = Array.isArray(value) ? value.join('\n') : value;
  }
  await route.fulfill({ status: answer.status, headers: answerHeaders, body: answer.body });
}

/**
 * Sends every request the browser makes to `emulatorUrl`'s origin through Node, trusting `ca`. Returns the requests
 * that could not be forwarded (the browser sees them fail), for the test to show.
 */
export async function routeEmulatorThroughNode(context: BrowserContext, emulatorUrl: string, ca: string): Promise<readonly string[]> {
  const origin = new URL(emulatorUrl).origin;
  const failures: string[] = [];
  await context.route(
    (url) => url.origin === origin,
    async (route) => {
      try {
        await forward(route, ca);
      } catch (error) {
        failures.push(`${route.request().method()} ${route.request().url()}: ${error instanceof Error ? error.message : String(error)}`);
        await route.abort('failed');
      }
    },
  );
  return failures;
}
