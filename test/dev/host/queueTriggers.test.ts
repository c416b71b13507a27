/** The offline host serving Storage Queue triggers from Azurite, as the Functions host's queue extension does. */
import { QueueServiceClient, type QueueClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type AzuriteHandle } from '../../../dev/azurite.js';
import { startHost, type FunctionsHost } from '../../../dev/host/host.js';
import { readQueueOptions } from '../../../dev/host/queueListener.js';

const QUEUE = 'work-items';
const hostJson = { version: '2.0', extensions: { queues: { maxDequeueCount: 3, visibilityTimeout: '00:00:00', maxPollingInterval: '00:00:01', batchSize: 4 } } };

let azurite: AzuriteHandle;
let hosts: FunctionsHost[];
const hostLogs: string[][] = [[], []];
let queue: QueueClient;
let poison: QueueClient;

interface Seen {
  readonly item: unknown;
  readonly dequeueCount: unknown;
  readonly id: unknown;
}

async function seen(host: FunctionsHost): Promise<Seen[]> {
  const response = await fetch(`${host.url}/api/seen`);
  return (await response.json()) as Seen[];
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > until) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const base64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');

beforeAll(async () => {
  azurite = await startAzurite();
  const service = QueueServiceClient.fromConnectionString(azurite.connectionString);
  queue = service.getQueueClient(QUEUE);
  poison = service.getQueueClient(`${QUEUE}-poison`);
  await queue.createIfNotExists();
  const env = { QUEUE_TEST: azurite.connectionString, QUEUE_TEST_NAME: QUEUE };
  // Two hosts of one app on one queue: each message is the function's once, whichever host takes it.
  hosts = [
    await startHost({ entry: 'test/fixtures/queueApp.ts', env, timers: false, hostJson, log: (line) => hostLogs[0]?.push(line) }),
    await startHost({ entry: 'test/fixtures/queueApp.ts', env, timers: false, hostJson, log: (line) => hostLogs[1]?.push(line) }),
  ];
});

afterAll(async () => {
  for (const host of hosts ?? []) await host.close();
  await azurite?.close();
});

describe('Storage Queue triggers on the offline host', () => {
  it('lists the trigger with its queue and connection as the host indexes it', async () => {
    const [host] = hosts;
    const response = await fetch(`${host?.url}/admin/functions/workItems`, { headers: { 'x-functions-key': host?.keys.masterKey ?? '' } });
    const status = (await response.json()) as { trigger: string; bindings: Record<string, unknown>[] };
    expect(status.trigger).toBe('queueTrigger');
    expect(status.bindings[0]).toMatchObject({ type: 'queueTrigger', direction: 'in', queueName: QUEUE, connection: 'QUEUE_TEST' });
  });

  it('decodes a base64 message and hands JSON over as an object with its metadata, then deletes it', async () => {
    await queue.sendMessage(base64({ job: 'first' }));
    const all = await eventually(
      async () => [...(await seen(hosts[0] as FunctionsHost))],
      (items) => items.some((entry) => JSON.stringify(entry.item) === '{"job":"first"}'),
    );
    const entry = all.find((candidate) => JSON.stringify(candidate.item) === '{"job":"first"}');
    expect(entry?.dequeueCount).toBe(1);
    expect(typeof entry?.id).toBe('string');
    const left = await eventually(() => queue.getProperties(), (properties) => properties.approximateMessagesCount === 0);
    expect(left.approximateMessagesCount).toBe(0);
  });

  it('retries a failing message with a growing dequeue count, then moves it to <queue>-poison as it was sent', async () => {
    const text = base64({ fail: true, job: 'doomed' });
    await queue.sendMessage(text);
    const attempts = await eventually(
      async () => (await seen(hosts[0] as FunctionsHost)).filter((entry) => JSON.stringify(entry.item).includes('doomed')).map((entry) => entry.dequeueCount),
      (counts) => counts.length >= 3,
    );
    expect(attempts).toEqual([1, 2, 3]);
    const poisoned = await eventually(() => poison.peekMessages({ numberOfMessages: 32 }), (peeked) => peeked.peekedMessageItems.length > 0);
    expect(poisoned.peekedMessageItems.map((message) => message.messageText)).toEqual([text]);
    expect((await queue.getProperties()).approximateMessagesCount).toBe(0);
  });

  it('gives each of many messages to one host once, with both hosts taking messages', async () => {
    const executions = () => hostLogs.map((lines) => lines.filter((line) => line.includes("Executing 'Functions.workItems'")).length);
    const before = executions();
    const jobs = Array.from({ length: 40 }, (_, index) => `parallel-${index}`);
    await Promise.all(jobs.map((job) => queue.sendMessage(base64({ job, delayMs: 200 }))));
    // The two hosts share this process's module, so either one's record shows every run.
    const read = async () => (await seen(hosts[0] as FunctionsHost)).filter((entry) => JSON.stringify(entry.item).includes('parallel-'));
    const handled = await eventually(read, (entries) => entries.length >= jobs.length);
    expect(handled.map((entry) => String(Reflect.get(entry.item as object, 'job'))).sort()).toEqual([...jobs].sort());
    expect(handled.every((entry) => entry.dequeueCount === 1)).toBe(true);
    const perHost = executions().map((count, index) => count - (before[index] ?? 0));
    expect(perHost.reduce((sum, count) => sum + count, 0)).toBe(jobs.length);
    expect(perHost.every((count) => count > 0)).toBe(true);
  });
});

describe("host.json's extensions.queues", () => {
  it("reads the extension's settings over its defaults", () => {
    expect(readQueueOptions(undefined)).toEqual({ batchSize: 16, newBatchThreshold: 8, maxDequeueCount: 5, visibilityTimeoutMs: 0, maxPollingIntervalMs: 60_000, messageEncoding: 'base64' });
    expect(readQueueOptions({ extensions: { queues: { batchSize: 4, maxDequeueCount: 2, visibilityTimeout: '00:00:30', maxPollingInterval: '00:00:02', messageEncoding: 'none' } } })).toEqual({
      batchSize: 4,
      newBatchThreshold: 2,
      maxDequeueCount: 2,
      visibilityTimeoutMs: 30_000,
      maxPollingIntervalMs: 2_000,
      messageEncoding: 'none',
    });
    expect(() => readQueueOptions({ extensions: { queues: { visibilityTimeout: 'soon' } } })).toThrow(/extensions\.queues\.visibilityTimeout/);
  });
});
