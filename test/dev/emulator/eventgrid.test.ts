import { describe, expect, it } from 'vitest';
import type { EmulatedEvent } from '../../../dev/emulator/context.js';
import { matchesStringIn } from '../../../dev/emulator/eventgrid.js';

const runEvent = (data: Record<string, unknown>): EmulatedEvent => ({
  id: 'e1',
  topic: '/subscriptions/s/resourceGroups/g/providers/Microsoft.MachineLearningServices/workspaces/w',
  subject: 'experiments/x/runs/r',
  eventType: 'Microsoft.MachineLearningServices.RunStatusChanged',
  eventTime: '2026-01-01T00:00:00Z',
  data,
  dataVersion: '2',
  metadataVersion: '1',
});

describe("advanced filters, as Event Grid evaluates StringIn", () => {
  const failedOnly = { key: 'data.runStatus', stringIn: ['Failed'] };

  it('matches a value in the list whatever its case', () => {
    expect(matchesStringIn(runEvent({ runStatus: 'Failed' }), failedOnly)).toBe(true);
    expect(matchesStringIn(runEvent({ runStatus: 'failed' }), failedOnly)).toBe(true);
  });

  it('does not match other values, or an event without the key', () => {
    expect(matchesStringIn(runEvent({ runStatus: 'Running' }), failedOnly)).toBe(false);
    expect(matchesStringIn(runEvent({ runStatus: 'Completed' }), failedOnly)).toBe(false);
    expect(matchesStringIn(runEvent({}), failedOnly)).toBe(false);
  });

  it('reads top-level keys too', () => {
    expect(matchesStringIn(runEvent({}), { key: 'subject', stringIn: ['EXPERIMENTS/X/RUNS/R'] })).toBe(true);
  });
});
