import { InvocationContext } from '@azure/functions';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import type { DomainEvent } from '../../src/events/domainEvent.js';
import type { Log } from '../../src/shared/log.js';
import type { DroppedEvent } from '../../src/eventIntake/droppedEvent.js';
import { receiveEvent } from '../../src/eventIntake/intake.js';
import { publishedFixtureUrl } from '../helpers/publishedFixtures.js';

const fixturesDir = publishedFixtureUrl('events/');
const firstEventOf = (name: string): Record<string, unknown> => {
  const body: unknown = JSON.parse(readFileSync(new URL(name, fixturesDir), 'utf8'));
  return structuredClone((Array.isArray(body) ? body[0] : body) as Record<string, unknown>);
};

function recordingContext() {
  const lines: { level: string; text: string }[] = [];
  const context = new InvocationContext({
    functionName: 'amlEvents',
    logHandler: (level, ...args) => lines.push({ level, text: args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' ') }),
  });
  return { context, lines };
}

describe('event intake from a trigger', () => {
  it('routes a well-formed event by its kind, id and subject, with the invocation log, and counts nothing', async () => {
    const { context, lines } = recordingContext();
    const routed: { event: DomainEvent; log: Log }[] = [];
    const dropped: DroppedEvent[] = [];
    await receiveEvent(firstEventOf('eventgrid-ModelRegistered.json'), context, {
      route: async (event, log) => {
        routed.push({ event, log });
        return { handled: true, reason: 'routed' };
      },
      countDropped: (event) => void dropped.push(event),
    });
    expect(routed.map(({ event: { kind, id, subject } }) => ({ kind, id, subject }))).toEqual([
      { kind: 'ModelRegistered', id: '831e1650-001e-001b-66ab-eeb76e069631', subject: 'models/sklearn_regression_model:20' },
    ]);
    // The use case logs through the invocation's log, escaped.
    routed[0]?.log.info('from the use case\nFORGED');
    expect(lines.at(-1)).toEqual({ level: 'information', text: 'from the use case\\u000aFORGED' });
    expect(dropped).toEqual([]);
    expect(lines.filter((line) => line.level === 'warning')).toEqual([]);
  });

  it('logs, counts and drops a malformed event without failing the invocation', async () => {
    const { context, lines } = recordingContext();
    const raw = firstEventOf('eventgrid-ModelRegistered.json');
    delete (raw['data'] as Record<string, unknown>)['ModelName'];
    const dropped: DroppedEvent[] = [];
    let routed = 0;
    await receiveEvent(raw, context, { route: async () => ({ handled: true, reason: `routed ${++routed}` }), countDropped: (event) => void dropped.push(event) });
    expect(routed).toBe(0);
    expect(dropped).toEqual([
      { eventId: '831e1650-001e-001b-66ab-eeb76e069631', eventType: 'Microsoft.MachineLearningServices.ModelRegistered', reason: 'malformed' },
    ]);
    const warning = lines.find((line) => line.level === 'warning');
    expect(warning?.text).toContain('831e1650-001e-001b-66ab-eeb76e069631');
    expect(warning?.text).toContain('event.data.modelName');
  });

  it('rethrows a transient failure so Event Grid redelivers, saying so in one warning line with the event id', async () => {
    const { context, lines } = recordingContext();
    const dropped: DroppedEvent[] = [];
    const failure = new AppError('UpstreamTransient', 'ARM answered 503');
    await expect(
      receiveEvent(firstEventOf('eventgrid-RunStatusChanged.json'), context, {
        route: async () => {
          throw failure;
        },
        countDropped: (event) => void dropped.push(event),
      }),
    ).rejects.toBe(failure);
    expect(dropped).toEqual([]);
    expect(lines).toEqual([
      {
        level: 'warning',
        text: 'RunStatusChanged 831e1650-001e-001b-66ab-eeb76e069631 run=AutoML_ad912b2d-6467-4f32-a616-dbe4af6dd8fc_5 → not done, will be retried by Event Grid redelivery: ARM answered 503',
      },
    ]);
  });

  it('drops a permanent failure with its code in one warning line, and an unexpected error as Internal with its stack', async () => {
    const { context, lines } = recordingContext();
    const dropped: DroppedEvent[] = [];
    const bug = new TypeError("Cannot read properties of undefined (reading 'runId')");
    for (const failure of [new AppError('NotFound', 'workspace not found'), bug]) {
      await receiveEvent(firstEventOf('eventgrid-RunStatusChanged.json'), context, {
        route: async () => {
          throw failure;
        },
        countDropped: (event) => void dropped.push(event),
      });
    }
    expect(dropped.map((event) => event.reason)).toEqual(['NotFound', 'Internal']);
    const label = 'RunStatusChanged 831e1650-001e-001b-66ab-eeb76e069631 run=AutoML_ad912b2d-6467-4f32-a616-dbe4af6dd8fc_5';
    expect(lines[0]).toEqual({ level: 'warning', text: `${label} → dropped (NotFound): workspace not found` });
    const [first, ...frames] = (lines[1]?.text ?? '').split('\n');
    expect(lines[1]?.level).toBe('error');
    expect(first).toBe(`${label} → dropped (Internal): Cannot read properties of undefined (reading 'runId')`);
    // The frames are the bug's own, starting where it was thrown: this test.
    expect(frames.length).toBeGreaterThan(0);
    expect(frames.every((frame) => /^\s+at /.test(frame))).toBe(true);
    expect(frames[0]).toContain('intake.test.ts');
  });

  it('still succeeds when counting the drop fails', async () => {
    const { context, lines } = recordingContext();
    await expect(
      receiveEvent('not an event', context, {
        route: async () => ({ handled: true, reason: 'routed' }),
        countDropped: () => {
          throw new Error('telemetry unavailable');
        },
      }),
    ).resolves.toMatchObject({ handled: false, reason: 'dropped: malformed' });
    expect(lines.some((line) => line.text.includes('Could not count the dropped event: telemetry unavailable'))).toBe(true);
  });
});
