/**
 * Storage Queue triggers, served as the Functions host's Storage Queues extension serves them. Sources:
 * Azure/azure-sdk-for-net `sdk/storage/Microsoft.Azure.WebJobs.Extensions.Storage.Queues` (`QueueListener`,
 * `QueueProcessor`, `QueueListenerFactory`, `QueuesOptions`) and Microsoft Learn, "Azure Queue storage trigger for
 * Azure Functions" (message metadata, poison messages) and "host.json reference" (`extensions.queues`).
 *
 * - Each poll receives up to `batchSize` messages with a 10-minute visibility timeout, renewed halfway while the
 *   function runs; a new batch is fetched once no more than `newBatchThreshold` are still running.
 * - An empty poll backs off, randomised and exponential, from 100 ms up to `maxPollingInterval`.
 * - Messages are base64-decoded (`messageEncoding: base64`, the default); JSON reaches the function as an object.
 * - Success deletes the message. A failure makes it visible again after `visibilityTimeout`, unless it has been
 *   dequeued `maxDequeueCount` times: then it is copied to `<queue>-poison` (created when missing) and deleted.
 *   A message dequeued more often than that (its host stopped while running it) goes there before it runs.
 * - Any number of hosts can listen to the same queue; the service gives each message to one of them at a time.
 */
import type { QueueClient, QueueServiceClient, DequeuedMessageItem } from '@azure/storage-queue';
import type { RpcTypedData } from './coreTypes.js';
import type { HostedFunction } from './hostedFunction.js';

/** `extensions.queues` of host.json, with the extension's defaults (`QueuesOptions`). */
export interface QueueOptions {
  readonly batchSize: number;
  readonly newBatchThreshold: number;
  readonly maxDequeueCount: number;
  /** Wait before a failed message is visible again. */
  readonly visibilityTimeoutMs: number;
  readonly maxPollingIntervalMs: number;
  readonly messageEncoding: 'base64' | 'none';
}

export const DEFAULT_QUEUE_OPTIONS: QueueOptions = {
  batchSize: 16,
  newBatchThreshold: 8,
  maxDequeueCount: 5,
  visibilityTimeoutMs: 0,
  maxPollingIntervalMs: 60_000,
  messageEncoding: 'base64',
};

/** While a function runs its message stays invisible this long, renewed halfway (`QueueListener._visibilityTimeout`). */
const PROCESSING_VISIBILITY_SECONDS = 600;
const MIN_POLLING_INTERVAL_MS = 100;
export const POISON_QUEUE_SUFFIX = '-poison';

/** Runs the function for one message; rejects when the function fails. */
export type InvokeQueueFunction = (fn: HostedFunction, data: RpcTypedData, triggerMetadata: Record<string, RpcTypedData>) => Promise<unknown>;

export class QueueListener {
  readonly #running = new Set<Promise<void>>();
  #stopped = false;
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;
  #delayMs = MIN_POLLING_INTERVAL_MS;

  constructor(
    private readonly fn: HostedFunction,
    private readonly queue: QueueClient,
    private readonly poisonQueue: QueueClient,
    private readonly options: QueueOptions,
    private readonly invoke: InvokeQueueFunction,
    private readonly log: (line: string) => void,
  ) {}

  start(): void {
    this.#loop = this.#poll();
  }

  /** Stops polling and waits for the messages being processed. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#loop;
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }

  async #poll(): Promise<void> {
    let queueExists = false;
    while (!this.#stopped) {
      let found = false;
      try {
        if (!queueExists) queueExists = await this.queue.exists();
        if (queueExists) {
          const received = await this.queue.receiveMessages({ numberOfMessages: this.options.batchSize, visibilityTimeout: PROCESSING_VISIBILITY_SECONDS });
          for (const message of received.receivedMessageItems) {
            found = true;
            const processing = this.#process(message).finally(() => this.#running.delete(processing));
            this.#running.add(processing);
          }
        }
      } catch (error) {
        // The extension backs off on storage errors and asks again whether the queue exists.
        queueExists = false;
        this.log(`Queue '${this.queue.name}' of '${this.fn.name}' could not be read: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (found) {
        this.#delayMs = MIN_POLLING_INTERVAL_MS;
        while (this.#running.size > this.options.newBatchThreshold && !this.#stopped) await Promise.race([...this.#running]);
      } else {
        await this.#sleep(this.#nextDelay());
      }
    }
  }

  /** Randomised exponential back-off between 100 ms and `maxPollingInterval` (`RandomizedExponentialBackoffStrategy`). */
  #nextDelay(): number {
    const delay = this.#delayMs;
    this.#delayMs = Math.min(this.options.maxPollingIntervalMs, Math.max(MIN_POLLING_INTERVAL_MS, delay * 2 * (0.8 + Math.random() * 0.4)));
    return Math.min(delay, this.options.maxPollingIntervalMs);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = undefined;
        resolve();
      }, ms);
      this.#wake = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
    });
  }

  async #process(message: DequeuedMessageItem): Promise<void> {
    let popReceipt = message.popReceipt;
    if (message.dequeueCount > this.options.maxDequeueCount) {
      await this.#toPoison(message, popReceipt);
      return;
    }
    // Keeps the message invisible while the function runs longer than half the processing visibility.
    const renewal = setInterval(() => {
      this.queue.updateMessage(message.messageId, popReceipt, undefined, PROCESSING_VISIBILITY_SECONDS).then(
        (updated) => {
          if (updated.popReceipt !== undefined) popReceipt = updated.popReceipt;
        },
        () => undefined,
      );
    }, (PROCESSING_VISIBILITY_SECONDS * 1000) / 2);
    let succeeded: boolean;
    try {
      await this.invoke(this.fn, this.#triggerData(message), this.#metadata(message));
      succeeded = true;
    } catch {
      succeeded = false;
    } finally {
      clearInterval(renewal);
    }
    try {
      if (succeeded) await this.queue.deleteMessage(message.messageId, popReceipt);
      else if (message.dequeueCount >= this.options.maxDequeueCount) await this.#toPoison(message, popReceipt);
      else await this.queue.updateMessage(message.messageId, popReceipt, undefined, Math.round(this.options.visibilityTimeoutMs / 1000));
    } catch (error) {
      // Another host took the message over (its visibility lapsed): it is theirs to finish.
      this.log(`Queue message ${message.messageId} of '${this.fn.name}' could not be completed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  async #toPoison(message: DequeuedMessageItem, popReceipt: string): Promise<void> {
    await this.poisonQueue.createIfNotExists();
    await this.poisonQueue.sendMessage(message.messageText);
    await this.queue.deleteMessage(message.messageId, popReceipt);
    this.log(`Message ${message.messageId} has reached MaxDequeueCount of ${this.options.maxDequeueCount}. Moving message to queue '${this.poisonQueue.name}'.`);
  }

  #text(message: DequeuedMessageItem): string {
    return this.options.messageEncoding === 'base64' ? Buffer.from(message.messageText, 'base64').toString('utf8') : message.messageText;
  }

  /** The message as the function receives it: JSON as JSON (an object in Node.js), anything else as a string. */
  #triggerData(message: DequeuedMessageItem): RpcTypedData {
    const text = this.#text(message);
    try {
      JSON.parse(text);
      return { json: text };
    } catch {
      return { string: text };
    }
  }

  /** The trigger's metadata (Microsoft Learn, "Message metadata"). */
  #metadata(message: DequeuedMessageItem): Record<string, RpcTypedData> {
    return {
      QueueTrigger: { string: this.#text(message) },
      DequeueCount: { json: String(message.dequeueCount) },
      Id: { string: message.messageId },
      PopReceipt: { string: message.popReceipt },
      InsertionTime: { string: message.insertedOn.toISOString() },
      ExpirationTime: { string: message.expiresOn.toISOString() },
      NextVisibleTime: { string: message.nextVisibleOn.toISOString() },
    };
  }
}

/** Listens to every queue-triggered function's queue, through the connection its binding names. */
export async function startQueueListeners(
  functions: readonly HostedFunction[],
  settings: Readonly<Record<string, string | undefined>>,
  options: QueueOptions,
  invoke: InvokeQueueFunction,
  log: (line: string) => void,
): Promise<QueueListener[]> {
  const queueFunctions = functions.filter((fn) => fn.kind === 'queue' && fn.error === undefined);
  if (queueFunctions.length === 0) return [];
  const { QueueServiceClient } = await import('@azure/storage-queue');
  const services = new Map<string, QueueServiceClient>();
  const listeners: QueueListener[] = [];
  for (const fn of queueFunctions) {
    const connection = typeof fn.trigger['connection'] === 'string' && fn.trigger['connection'] !== '' ? fn.trigger['connection'] : 'AzureWebJobsStorage';
    const queueName = typeof fn.trigger['queueName'] === 'string' ? fn.trigger['queueName'] : '';
    const connectionString = settings[connection];
    if (connectionString === undefined || connectionString === '') {
      log(`The '${fn.name}' function is in error: its connection '${connection}' is not set (the offline host takes a connection string; identity-based connections are for Azure).`);
      continue;
    }
    let service = services.get(connection);
    if (service === undefined) {
      service = QueueServiceClient.fromConnectionString(connectionString);
      services.set(connection, service);
    }
    const listener = new QueueListener(fn, service.getQueueClient(queueName), service.getQueueClient(`${queueName}${POISON_QUEUE_SUFFIX}`), options, invoke, log);
    listener.start();
    listeners.push(listener);
  }
  return listeners;
}

/** host.json's `extensions.queues`, over the extension's defaults; `newBatchThreshold` defaults to half the batch. */
export function readQueueOptions(hostJson: unknown): QueueOptions {
  const extensions: unknown = typeof hostJson === 'object' && hostJson !== null ? Reflect.get(hostJson, 'extensions') : undefined;
  const queues: unknown = typeof extensions === 'object' && extensions !== null ? Reflect.get(extensions, 'queues') : undefined;
  const field = (name: string): unknown => (typeof queues === 'object' && queues !== null ? Reflect.get(queues, name) : undefined);
  const count = (name: string, fallback: number): number => {
    const value = field(name);
    return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : fallback;
  };
  const duration = (name: string, fallback: number): number => {
    const value = field(name);
    if (typeof value === 'number') return value; // milliseconds, as host.json also accepts
    if (typeof value !== 'string') return fallback;
    const match = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(value.trim());
    if (match === null) throw new Error(`host.json extensions.queues.${name}: expected a time span such as 00:00:30 (got '${value}')`);
    const [, days, hours, minutes, seconds] = match;
    return (((Number(days ?? 0) * 24 + Number(hours)) * 60 + Number(minutes)) * 60 + Number(seconds)) * 1000;
  };
  const batchSize = Math.min(32, count('batchSize', DEFAULT_QUEUE_OPTIONS.batchSize));
  const encoding = field('messageEncoding');
  return {
    batchSize,
    newBatchThreshold: count('newBatchThreshold', Math.floor(batchSize / 2)),
    maxDequeueCount: count('maxDequeueCount', DEFAULT_QUEUE_OPTIONS.maxDequeueCount),
    visibilityTimeoutMs: duration('visibilityTimeout', DEFAULT_QUEUE_OPTIONS.visibilityTimeoutMs),
    maxPollingIntervalMs: duration('maxPollingInterval', DEFAULT_QUEUE_OPTIONS.maxPollingIntervalMs),
    messageEncoding: typeof encoding === 'string' && encoding.toLowerCase() === 'none' ? 'none' : 'base64',
  };
}
