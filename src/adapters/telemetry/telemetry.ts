/**
 * Custom events, metrics and exceptions. Application Insights when a connection string is set;
 * otherwise an in-memory recorder, so tests and /api/health can still observe what happened.
 * Both keep counters. Callers pass names and counts, never secret values.
 */
import type { TelemetryClient } from 'applicationinsights';
import type { Telemetry, TelemetryItem, TelemetryMeasurements, TelemetryProperties, TelemetrySnapshot } from '../../shared/telemetry.js';

export type { TelemetryItem } from '../../shared/telemetry.js';

function toStringProperties(properties: TelemetryProperties | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(properties ?? {})) {
    if (value !== undefined) result[name] = String(value);
  }
  return result;
}

/** Counting shared by both sinks. */
class TelemetryCounters {
  readonly #events = new Map<string, number>();
  readonly #metrics = new Map<string, { count: number; sum: number }>();
  #exceptions = 0;

  event(name: string): void {
    this.#events.set(name, (this.#events.get(name) ?? 0) + 1);
  }

  metric(name: string, value: number): void {
    const current = this.#metrics.get(name) ?? { count: 0, sum: 0 };
    this.#metrics.set(name, { count: current.count + 1, sum: current.sum + value });
  }

  exception(): void {
    this.#exceptions += 1;
  }

  snapshot(sink: TelemetrySnapshot['sink']): TelemetrySnapshot {
    return {
      sink,
      events: Object.fromEntries(this.#events),
      metrics: Object.fromEntries([...this.#metrics].map(([name, totals]) => [name, { ...totals }])),
      exceptions: this.#exceptions,
    };
  }
}

/** Keeps the last `capacity` items in memory; sends nothing anywhere. */
export class InMemoryTelemetry implements Telemetry {
  readonly #capacity: number;
  readonly #items: TelemetryItem[] = [];
  readonly #counters = new TelemetryCounters();

  constructor(capacity = 500) {
    this.#capacity = capacity;
  }

  #keep(item: TelemetryItem): void {
    this.#items.push(item);
    if (this.#items.length > this.#capacity) this.#items.splice(0, this.#items.length - this.#capacity);
  }

  trackEvent(name: string, properties?: TelemetryProperties, measurements?: TelemetryMeasurements): void {
    this.#counters.event(name);
    this.#keep({ kind: 'event', name, properties: toStringProperties(properties), measurements: { ...measurements } });
  }

  trackMetric(name: string, value: number, properties?: TelemetryProperties): void {
    this.#counters.metric(name, value);
    this.#keep({ kind: 'metric', name, value, properties: toStringProperties(properties) });
  }

  trackException(error: Error, properties?: TelemetryProperties): void {
    this.#counters.exception();
    this.#keep({ kind: 'exception', name: error.name, message: error.message, properties: toStringProperties(properties) });
  }

  async flush(): Promise<void> {}

  /** The most recent items, oldest first. */
  items(): readonly TelemetryItem[] {
    return [...this.#items];
  }

  snapshot(): TelemetrySnapshot {
    return this.#counters.snapshot('memory');
  }
}

let applicationInsightsClient: Promise<TelemetryClient> | undefined;

/** `setup().start()` may run once per process; later callers share the default client. */
function startApplicationInsights(connectionString: string): Promise<TelemetryClient> {
  applicationInsightsClient ??= import('applicationinsights').then((module) => {
    const sdk = module.default;
    sdk.setup(connectionString).start();
    return sdk.defaultClient;
  });
  return applicationInsightsClient;
}

/** Application Insights, loaded on first use; items tracked before it is ready are sent once it is. */
export class ApplicationInsightsTelemetry implements Telemetry {
  readonly #connectionString: string;
  readonly #counters = new TelemetryCounters();
  readonly #onError: (error: unknown) => void;
  readonly #flushTimeoutMs: number;

  constructor(connectionString: string, options: { readonly onError?: (error: unknown) => void; readonly flushTimeoutMs?: number } = {}) {
    this.#connectionString = connectionString;
    this.#onError = options.onError ?? (() => {});
    this.#flushTimeoutMs = options.flushTimeoutMs ?? 10_000;
  }

  #withClient(send: (client: TelemetryClient) => void): void {
    startApplicationInsights(this.#connectionString).then(send, this.#onError);
  }

  trackEvent(name: string, properties?: TelemetryProperties, measurements?: TelemetryMeasurements): void {
    this.#counters.event(name);
    this.#withClient((client) => client.trackEvent({ name, properties: toStringProperties(properties), measurements: { ...measurements } }));
  }

  trackMetric(name: string, value: number, properties?: TelemetryProperties): void {
    this.#counters.metric(name, value);
    this.#withClient((client) => client.trackMetric({ name, value, properties: toStringProperties(properties) }));
  }

  trackException(error: Error, properties?: TelemetryProperties): void {
    this.#counters.exception();
    this.#withClient((client) => client.trackException({ exception: error, properties: toStringProperties(properties) }));
  }

  /** Waits for the export at most the flush timeout: an unreachable ingestion endpoint must not hold an invocation. */
  async flush(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.#flushTimeoutMs);
      timer.unref();
    });
    const flushed = startApplicationInsights(this.#connectionString).then((client) => client.flush());
    try {
      await Promise.race([flushed.catch(this.#onError), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  snapshot(): TelemetrySnapshot {
    return this.#counters.snapshot('applicationInsights');
  }
}

export interface TelemetryOptions {
  readonly connectionString: string | undefined;
  /** Where failures to load or send telemetry go (telemetry never fails the app). */
  readonly onError?: (error: unknown) => void;
  readonly flushTimeoutMs?: number;
}

export function createTelemetry(options: TelemetryOptions): Telemetry {
  if (options.connectionString === undefined) return new InMemoryTelemetry();
  return new ApplicationInsightsTelemetry(options.connectionString, {
    ...(options.onError === undefined ? {} : { onError: options.onError }),
    ...(options.flushTimeoutMs === undefined ? {} : { flushTimeoutMs: options.flushTimeoutMs }),
  });
}
