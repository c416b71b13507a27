/**
 * Event Grid push delivery to webhook subscriptions, as Event Grid does it: one event per request, as a JSON
 * array, with `aeg-event-type: Notification`, `aeg-subscription-name` and `aeg-delivery-count` (0 on the first
 * attempt); only 200–204 counts as delivered; anything else, a network error or a timeout is retried with
 * backoff, a bounded number of times (Event Grid retries for 24 h; locally a few short attempts is enough).
 *
 * State: the publisher keeps a record of every attempt (`delivered()`); `close()` cancels pending retries and
 * in-flight requests. `server.ts` creates one per emulator and calls `publish` from its context's `publishEvent`.
 */
import http from 'node:http';
import https from 'node:https';
import type { EmulatedEvent } from './context.js';

/**
 * An advanced filter of the `StringIn` kind: the value at `key` (`data.runStatus`, `subject`) is one of `values`.
 * As Event Grid evaluates it (MicrosoftDocs/azure-docs `articles/event-grid/event-filtering.md`): string
 * comparisons are not case-sensitive, and an event without the key does not match.
 */
export interface StringInFilter {
  readonly key: string;
  readonly stringIn: readonly string[];
}

export interface EventSubscription {
  /** Webhook URL, e.g. `http://127.0.0.1:7071/runtime/webhooks/eventgrid?functionName=resourceEvents`. */
  readonly endpoint: string;
  /** Event types delivered to it (case-insensitive); all when absent or empty. */
  readonly eventTypes?: readonly string[];
  /** Every filter must match (Event Grid ANDs advanced filters). */
  readonly advancedFilters?: readonly StringInFilter[];
  /** `aeg-subscription-name`; defaults to the endpoint's `functionName` query parameter, or `SUBSCRIPTION-<n>`. */
  readonly name?: string;
  /** Functions-host target; used for the name when `name` is absent. */
  readonly functionName?: string;
}

export interface EventPublisherOptions {
  readonly subscriptions: readonly EventSubscription[];
  readonly log?: (line: string) => void;
  /** Waits before each retry; its length bounds the retries. Default `[100, 400, 1600]` (4 attempts in all). */
  readonly retryDelaysMs?: readonly number[];
  /** Per-attempt timeout. Default 5000. */
  readonly timeoutMs?: number;
  /** Extra CA to trust for `https` endpoints. */
  readonly ca?: string | Buffer;
}

export interface DeliveryRecord {
  readonly eventId: string;
  readonly eventType: string;
  readonly subscription: string;
  readonly endpoint: string;
  /** Zero-based, as in `aeg-delivery-count`. */
  readonly deliveryCount: number;
  readonly at: string;
  readonly status?: number;
  readonly error?: string;
  readonly succeeded: boolean;
  /** True when no further attempt follows: delivered, retries exhausted, or the publisher closed. */
  readonly final: boolean;
}

export interface EventPublisher {
  /** Queues the event for every matching subscription; returns at once. */
  publish(event: EmulatedEvent): void;
  /** Every delivery attempt so far, in the order they finished. */
  delivered(): DeliveryRecord[];
  /** Resolves when no delivery is pending or in flight. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const DEFAULT_RETRY_DELAYS_MS = [100, 400, 1600] as const;
const DEFAULT_TIMEOUT_MS = 5000;

export function createEventPublisher(options: EventPublisherOptions): EventPublisher {
  return new WebhookEventPublisher(options);
}

interface ResolvedSubscription {
  readonly name: string;
  readonly endpoint: URL;
  readonly eventTypes: ReadonlySet<string> | undefined;
  readonly advancedFilters: readonly StringInFilter[];
}

class WebhookEventPublisher implements EventPublisher {
  readonly #subscriptions: readonly ResolvedSubscription[];
  readonly #log: (line: string) => void;
  readonly #retryDelaysMs: readonly number[];
  readonly #timeoutMs: number;
  readonly #ca: string | Buffer | undefined;
  readonly #records: DeliveryRecord[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #inFlight = new Set<http.ClientRequest>();
  readonly #idleWaiters: (() => void)[] = [];
  #pending = 0;
  #closed = false;

  constructor(options: EventPublisherOptions) {
    this.#subscriptions = options.subscriptions.map((subscription, index) => resolveSubscription(subscription, index));
    this.#log = options.log ?? (() => undefined);
    this.#retryDelaysMs = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#ca = options.ca;
  }

  publish(event: EmulatedEvent): void {
    if (this.#closed) return;
    const eventType = event.eventType.toLowerCase();
    for (const subscription of this.#subscriptions) {
      if (subscription.eventTypes && !subscription.eventTypes.has(eventType)) continue;
      if (!subscription.advancedFilters.every((filter) => matchesStringIn(event, filter))) continue;
      this.#pending++;
      void this.#attempt(subscription, event, 0);
    }
  }

  delivered(): DeliveryRecord[] {
    return [...this.#records];
  }

  idle(): Promise<void> {
    if (this.#pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const request of this.#inFlight) request.destroy(new Error('event publisher closed'));
    this.#inFlight.clear();
    this.#pending = 0;
    this.#settleIdle();
  }

  async #attempt(subscription: ResolvedSubscription, event: EmulatedEvent, deliveryCount: number): Promise<void> {
    const outcome = await this.#send(subscription, event, deliveryCount);
    if (this.#closed) return;
    const succeeded = outcome.status !== undefined && outcome.status >= 200 && outcome.status <= 204;
    const delay = this.#retryDelaysMs[deliveryCount];
    const final = succeeded || delay === undefined;
    this.#records.push({
      eventId: event.id,
      eventType: event.eventType,
      subscription: subscription.name,
      endpoint: subscription.endpoint.href,
      deliveryCount,
      at: new Date().toISOString(),
      succeeded,
      final,
      ...outcome,
    });
    const result = outcome.status === undefined ? outcome.error : `HTTP ${outcome.status}`;
    if (succeeded) {
      this.#log(`event grid: delivered ${event.eventType} ${event.id} to ${subscription.name} (attempt ${deliveryCount + 1})`);
    } else if (final) {
      this.#log(`event grid: gave up on ${event.eventType} ${event.id} to ${subscription.name} after ${deliveryCount + 1} attempts (${result})`);
    } else {
      this.#log(`event grid: ${event.eventType} ${event.id} to ${subscription.name} failed (${result}); retrying in ${delay} ms`);
    }
    if (final) {
      this.#pending--;
      this.#settleIdle();
      return;
    }
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      void this.#attempt(subscription, event, deliveryCount + 1);
    }, delay);
    this.#timers.add(timer);
  }

  #send(subscription: ResolvedSubscription, event: EmulatedEvent, deliveryCount: number): Promise<{ status?: number; error?: string }> {
    const body = Buffer.from(JSON.stringify([event]));
    const transport = subscription.endpoint.protocol === 'https:' ? https : http;
    return new Promise((resolve) => {
      const request = transport.request(
        subscription.endpoint,
        {
          method: 'POST',
          timeout: this.#timeoutMs,
          headers: {
            'content-type': 'application/json',
            'content-length': String(body.length),
            'aeg-event-type': 'Notification',
            'aeg-subscription-name': subscription.name,
            'aeg-delivery-count': String(deliveryCount),
            'aeg-data-version': event.dataVersion,
            'aeg-metadata-version': event.metadataVersion,
          },
          ...(this.#ca ? { ca: this.#ca } : {}),
        },
        (response) => {
          response.resume();
          response.on('end', () => finish({ status: response.statusCode ?? 0 }));
          response.on('error', (error) => finish({ error: error.message }));
        },
      );
      this.#inFlight.add(request);
      const finish = (outcome: { status?: number; error?: string }): void => {
        this.#inFlight.delete(request);
        resolve(outcome);
      };
      request.on('timeout', () => request.destroy(new Error(`timed out after ${this.#timeoutMs} ms`)));
      request.on('error', (error) => finish({ error: error.message }));
      request.end(body);
    });
  }

  #settleIdle(): void {
    if (this.#pending > 0) return;
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }
}

/** Whether the event's value at the filter's dotted key is one of its values, ignoring case. */
export function matchesStringIn(event: EmulatedEvent, filter: StringInFilter): boolean {
  let value: unknown = event;
  for (const part of filter.key.split('.')) {
    if (typeof value !== 'object' || value === null) return false;
    value = (value as Record<string, unknown>)[part];
  }
  if (typeof value !== 'string') return false;
  return filter.stringIn.some((candidate) => candidate.toLowerCase() === value.toLowerCase());
}

function resolveSubscription(subscription: EventSubscription, index: number): ResolvedSubscription {
  const endpoint = new URL(subscription.endpoint);
  const functionName = subscription.functionName ?? endpoint.searchParams.get('functionName') ?? undefined;
  const name = (subscription.name ?? (functionName ? `${functionName}-subscription` : `subscription-${index + 1}`)).toUpperCase();
  const eventTypes = subscription.eventTypes && subscription.eventTypes.length > 0 ? new Set(subscription.eventTypes.map((type) => type.toLowerCase())) : undefined;
  return { name, endpoint, eventTypes, advancedFilters: subscription.advancedFilters ?? [] };
}
