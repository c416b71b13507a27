import { describe, expect, it } from 'vitest';
import { ApplicationInsightsTelemetry, InMemoryTelemetry, createTelemetry } from '../../../src/adapters/telemetry/telemetry.js';

describe('in-memory telemetry', () => {
  it('is what the app uses when no Application Insights connection string is set', () => {
    const telemetry = createTelemetry({ connectionString: undefined });
    expect(telemetry).toBeInstanceOf(InMemoryTelemetry);
    expect(telemetry.snapshot().sink).toBe('memory');
  });

  it('chooses Application Insights when a connection string is set, without loading it until something is tracked', () => {
    const telemetry = createTelemetry({ connectionString: 'InstrumentationKey=00000000-0000-0000-0000-000000000000' });
    expect(telemetry).toBeInstanceOf(ApplicationInsightsTelemetry);
    expect(telemetry.snapshot()).toEqual({ sink: 'applicationInsights', events: {}, metrics: {}, exceptions: 0 });
  });

  it('counts events by name and sums metrics, so dropped events can be observed', () => {
    const telemetry = new InMemoryTelemetry();
    telemetry.trackMetric('EventsDropped', 1, { reason: 'malformed' });
    telemetry.trackMetric('EventsDropped', 2);
    telemetry.trackEvent('CdRunStarted', { model: 'credit-default', version: 3 });
    telemetry.trackEvent('CdRunStarted');
    telemetry.trackException(new Error('boom'));
    expect(telemetry.snapshot()).toEqual({
      sink: 'memory',
      events: { CdRunStarted: 2 },
      metrics: { EventsDropped: { count: 2, sum: 3 } },
      exceptions: 1,
    });
  });

  it('records properties as strings and drops undefined ones', () => {
    const telemetry = new InMemoryTelemetry();
    telemetry.trackEvent('ModelRegistered', { version: 3, retrained: true, tag: undefined }, { latencyMs: 12 });
    expect(telemetry.items()).toEqual([
      { kind: 'event', name: 'ModelRegistered', properties: { version: '3', retrained: 'true' }, measurements: { latencyMs: 12 } },
    ]);
  });

  it('keeps only the most recent items but counts all of them', () => {
    const telemetry = new InMemoryTelemetry(3);
    for (let i = 0; i < 5; i++) telemetry.trackMetric('Tick', i);
    expect(telemetry.items().map((item) => (item.kind === 'metric' ? item.value : -1))).toEqual([2, 3, 4]);
    expect(telemetry.snapshot().metrics.Tick).toEqual({ count: 5, sum: 10 });
  });
});
