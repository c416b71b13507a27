import { InvocationContext } from '@azure/functions';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import type { DomainEvent } from '../../src/events/domainEvent.js';
import type { DroppedEvent } from '../../src/eventIntake/droppedEvent.js';
import { createEventGridTriggerHandler } from '../../src/functions/eventGridTrigger.js';
import type { IntakeDeps } from '../../src/eventIntake/intake.js';
import { amlEventsHandler } from '../../src/functions/amlEvents.js';
import { resourceEventsHandler } from '../../src/functions/resourceEvents.js';
import { publishedFixtureUrl } from '../helpers/publishedFixtures.js';

const fixturesDir = publishedFixtureUrl('events/');
const eventsOf = (name: string): Record<string, unknown>[] => {
  const body: unknown = JSON.parse(readFileSync(new URL(name, fixturesDir), 'utf8'));
  return (Array.isArray(body) ? body : [body]) as Record<string, unknown>[];
};
const eventFixtures = readdirSync(fixturesDir).filter((name) => name.endsWith('.json') && !name.includes('ValidationResponse'));
/** `eventgrid-ModelRegistered.json` → `ModelRegistered`; `eventgrid-SubscriptionValidationEvent-2020doc.json` → `SubscriptionValidation`. */
const kindOf = (name: string): string => name.replace(/^(eventgrid|cloudevents)-/, '').replace(/(Event)?(-2020doc)?\.json$/, '');

function recordingContext(functionName: string) {
  const lines: { level: string; text: string }[] = [];
  const context = new InvocationContext({
    functionName,
    logHandler: (level, ...args) => lines.push({ level, text: args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' ') }),
  });
  return { context, lines };
}

describe.each([
  { functionName: 'amlEvents', handler: amlEventsHandler },
  { functionName: 'resourceEvents', handler: resourceEventsHandler },
])('$functionName trigger', ({ functionName, handler }) => {
  const create = (loadDeps: () => Promise<IntakeDeps>) => createEventGridTriggerHandler(functionName, loadDeps);

  /** A handler whose route records what reaches it, and whose drops are counted in `dropped`. */
  const recording = () => {
    const routed: DomainEvent[] = [];
    const dropped: DroppedEvent[] = [];
    const handle = create(async () => ({
      route: async (event) => {
        routed.push(event);
        return { handled: true, reason: 'routed' };
      },
      countDropped: (item) => void dropped.push(item),
    }));
    return { handle, routed, dropped };
  };

  for (const name of eventFixtures) {
    it(`accepts ${name} as the trigger delivers it and routes it by its kind, id and subject`, async () => {
      const { context, lines } = recordingContext(functionName);
      const { handle, routed, dropped } = recording();
      const events = eventsOf(name);
      for (const event of events) await expect(handle(event, context)).resolves.toBeUndefined();
      expect(routed.map(({ kind, id, type, subject }) => ({ kind, id, type, subject }))).toEqual(
        events.map((event) => ({ kind: kindOf(name), id: event['id'], type: event['eventType'] ?? event['type'], subject: event['subject'] })),
      );
      expect(dropped).toEqual([]);
      expect(lines.filter((line) => line.level === 'warning')).toEqual([]);
    });
  }

  it('drops a malformed event without failing, logging its id and type and counting it', async () => {
    const { context, lines } = recordingContext(functionName);
    const { handle, routed, dropped } = recording();
    const [event] = eventsOf('eventgrid-ModelRegistered.json');
    const malformed = { ...event, data: { ModelVersion: 20 } };
    await expect(handle(malformed, context)).resolves.toBeUndefined();
    expect(routed).toEqual([]);
    expect(dropped).toEqual([
      { eventId: '831e1650-001e-001b-66ab-eeb76e069631', eventType: 'Microsoft.MachineLearningServices.ModelRegistered', reason: 'malformed' },
    ]);
    const warning = lines.find((line) => line.level === 'warning')?.text ?? '';
    expect(warning).toContain('831e1650-001e-001b-66ab-eeb76e069631');
    expect(warning).toContain('Microsoft.MachineLearningServices.ModelRegistered');
  });

  it('returns normally for a malformed event even where telemetry cannot be reached', async () => {
    const { context, lines } = recordingContext(functionName);
    await expect(handler({ id: 'x-1', eventType: 'Microsoft.MachineLearningServices.ModelRegistered' }, context)).resolves.toBeUndefined();
    expect(lines.some((line) => line.level === 'warning' && line.text.startsWith('Microsoft.MachineLearningServices.ModelRegistered x-1 → dropped (malformed): '))).toBe(true);
  });

  it('fails the invocation on a transient error so Event Grid retries, with one warning and an error without frames for the host', async () => {
    const { context, lines } = recordingContext(functionName);
    const [event] = eventsOf('eventgrid-RunStatusChanged.json');
    const failing = create(async () => ({
      route: async () => {
        throw new AppError('UpstreamTransient', 'ARM answered 503');
      },
      countDropped: () => undefined,
    }));
    const failure: unknown = await failing(event, context).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ code: 'UpstreamTransient', stack: 'AppError: ARM answered 503' });
    expect(lines).toEqual([{ level: 'warning', text: expect.stringMatching(/^RunStatusChanged 831e1650-001e-001b-66ab-eeb76e069631 run=\S+ → not done, will be retried by Event Grid redelivery: ARM answered 503$/) }]);
  });

  it('hands the host an error it does not expect as it is, with its stack', async () => {
    const { context } = recordingContext(functionName);
    const [event] = eventsOf('eventgrid-RunStatusChanged.json');
    const bug = new TypeError('the composition broke');
    const failing = create(async () => {
      throw bug;
    });
    await expect(failing(event, context)).rejects.toBe(bug);
    expect(bug.stack?.split('\n').filter((line) => /^\s+at /.test(line)).length).toBeGreaterThan(0);
  });
});
