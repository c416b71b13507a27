/**
 * What the use cases record about what happened: custom events, metrics and exceptions, by name and with
 * properties that never hold secrets. The adapter sends them to Application Insights, or keeps them in memory.
 */

export type TelemetryProperties = Readonly<Record<string, string | number | boolean | undefined>>;
export type TelemetryMeasurements = Readonly<Record<string, number>>;

export type TelemetryItem =
  | { readonly kind: 'event'; readonly name: string; readonly properties: Record<string, string>; readonly measurements: Record<string, number> }
  | { readonly kind: 'metric'; readonly name: string; readonly value: number; readonly properties: Record<string, string> }
  | { readonly kind: 'exception'; readonly name: string; readonly message: string; readonly properties: Record<string, string> };

/** Totals since the process started. */
export interface TelemetrySnapshot {
  readonly sink: 'applicationInsights' | 'memory';
  /** Events by name: how many were tracked. */
  readonly events: Readonly<Record<string, number>>;
  /** Metrics by name: how many values and their sum (e.g. `EventsDropped`). */
  readonly metrics: Readonly<Record<string, { readonly count: number; readonly sum: number }>>;
  readonly exceptions: number;
}

export interface Telemetry {
  trackEvent(name: string, properties?: TelemetryProperties, measurements?: TelemetryMeasurements): void;
  trackMetric(name: string, value: number, properties?: TelemetryProperties): void;
  trackException(error: Error, properties?: TelemetryProperties): void;
  /** Sends anything buffered (call before a short-lived process exits). */
  flush(): Promise<void>;
  snapshot(): TelemetrySnapshot;
}
