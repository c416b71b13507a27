import { describe, expect, it } from 'vitest';
import { createTelemetry } from '../../../src/adapters/telemetry/telemetry.js';

describe('Application Insights telemetry', () => {
  it('loads the SDK on first use, counts what it sends, and flush returns even when ingestion is unreachable', async () => {
    const errors: unknown[] = [];
    const telemetry = createTelemetry({
      // Port 1 on loopback: nothing listens, so export fails without leaving the machine.
      connectionString: 'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://127.0.0.1:1/',
      flushTimeoutMs: 300,
      onError: (error) => errors.push(error),
    });
    telemetry.trackEvent('ModelRegistered', { model: 'credit-default' });
    telemetry.trackMetric('EventsDropped', 1);
    telemetry.trackException(new Error('boom'));
    await telemetry.flush();
    expect(telemetry.snapshot()).toEqual({
      sink: 'applicationInsights',
      events: { ModelRegistered: 1 },
      metrics: { EventsDropped: { count: 1, sum: 1 } },
      exceptions: 1,
    });
    expect(errors).toEqual([]);
  });
});
