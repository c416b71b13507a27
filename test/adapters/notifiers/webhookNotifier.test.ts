import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../../src/adapters/http/httpClient.js';
import { createNotifier } from '../../../src/adapters/notifiers/createNotifier.js';
import type { Notification } from '../../../src/notifications/ports.js';
import { parsePolicy } from '../../../src/policy/document.js';
import { appErrorOf } from '../../helpers/appErrors.js';

// The secret part of a webhook URL, as Workflows and Slack put it in the path and query.
const SIGNATURE = 'sig-5f2c9a7e1b';

interface Received {
  readonly path: string;
  readonly contentType: string | undefined;
  readonly body: unknown;
}

const received: Received[] = [];
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = new URL(request.url ?? '/', 'http://x').pathname;
      received.push({ path, contentType: request.headers['content-type'], body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown });
      const status = Number(path.split('/')[1]);
      response.writeHead(Number.isInteger(status) && status >= 200 ? status : 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const notification: Notification = {
  title: 'Run failed: churn / train-1',
  text: 'Error: out of memory',
  severity: 'error',
  facts: [{ name: 'Workspace', value: 'mlw-demo' }],
  eventId: 'evt-webhook-1',
};

/** A notifier for one channel of `kind` whose Key Vault secret holds `url`. */
function notifierFor(kind: 'teams' | 'slack' | 'webhook', url: string) {
  const policy = parsePolicy({ notifications: { channels: { ops: { kind, urlSecretName: 'ops-url' } } } }, 'test');
  return createNotifier('ops', policy, {
    http: createHttpClient({ timeoutMs: 5000 }),
    secrets: { getSecret: async (name) => (name === 'ops-url' ? url : Promise.reject(new Error(`no secret ${name}`))) },
  });
}


describe('webhook notifiers', () => {
  it("each channel kind posts one JSON body in its receiver's format to the URL read from Key Vault", async () => {
    for (const kind of ['teams', 'slack', 'webhook'] as const) {
      const notifier = notifierFor(kind, `${base}/200/${kind}?sig=${SIGNATURE}`);
      await notifier.send(notification);
      expect(notifier.kind).toBe(kind);
    }
    const [teams, slack, generic] = received.filter((item) => item.path.startsWith('/200/'));
    expect(teams).toMatchObject({ path: '/200/teams', contentType: 'application/json', body: { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive' }] } });
    expect(slack).toMatchObject({ path: '/200/slack', body: { blocks: expect.any(Array) as unknown } });
    expect(generic).toMatchObject({ path: '/200/webhook', body: { schema: 'aml-warden.notification.v1', eventId: 'evt-webhook-1', title: 'Run failed: churn / train-1' } });
  });

  it('a refusal is permanent, throttling or a server error transient, and neither error names the URL or its secret', async () => {
    const refused = await appErrorOf(notifierFor('slack', `${base}/403/hooks?sig=${SIGNATURE}`).send(notification));
    expect(refused.code).toBe('UpstreamPermanent');
    expect(refused.message).toBe('The Slack webhook answered 403');

    const unavailable = await appErrorOf(notifierFor('teams', `${base}/503/workflows?sig=${SIGNATURE}`).send(notification));
    expect(unavailable.transient).toBe(true);
    expect(unavailable.message).toBe('The Teams workflow webhook answered 503');

    for (const error of [refused, unavailable]) {
      expect(JSON.stringify({ message: error.message, details: error.details })).not.toMatch(new RegExp(`${SIGNATURE}|hooks|workflows`));
    }
  });
});
