import { InvocationContext } from '@azure/functions';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resourceEvent } from '../../dev/emulator/arm/resourceEvents.js';
import { eventLabel } from '../../src/eventIntake/eventLabel.js';
import { routeEvent, type EventHandlers } from '../../src/eventIntake/routeEvent.js';
import type { DomainEvent } from '../../src/events/domainEvent.js';
import { parseDelivery } from '../../src/events/parseDelivery.js';
import { publishedFixtureUrl } from '../helpers/publishedFixtures.js';

const fixturesDir = publishedFixtureUrl('events/');
const fixtureEvent = (name: string): DomainEvent => onlyEvent(parseDelivery(JSON.parse(readFileSync(new URL(name, fixturesDir), 'utf8'))));

function onlyEvent(events: readonly DomainEvent[]): DomainEvent {
  const [event] = events;
  if (event === undefined || events.length !== 1) throw new Error(`expected one event, got ${events.length}`);
  return event;
}

function recordingContext() {
  const lines: { level: string; args: unknown[] }[] = [];
  const context = new InvocationContext({ logHandler: (level, ...args) => lines.push({ level, args }) });
  return { context, lines };
}

const unknownEvent = () =>
  onlyEvent(parseDelivery([{ id: 'u-1', eventType: 'Contoso.Thing.Happened', subject: 'things/1', eventTime: '2024-01-01T00:00:00Z', data: {} }]));

/** A ResourceDeleteSuccess as ARM raises it when a playground compute is deleted. */
const computeDeleted = () =>
  onlyEvent(
    parseDelivery([
      resourceEvent({
        resourceId: '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-mlops-demo/providers/Microsoft.MachineLearningServices/workspaces/mlw-demo/computes/gpu-cluster',
        operationName: 'Microsoft.MachineLearningServices/workspaces/computes/delete',
        action: 'delete',
        claims: {},
        now: new Date('2025-03-01T10:00:00Z'),
      }),
    ]),
  );

// Routing these needs no capability, and so no outside system: a route that asked for them would fail the test.
const noHandlers = async (): Promise<EventHandlers> => {
  throw new Error('the route asked for the capabilities');
};

const eventsNeedingNoServices: readonly { readonly name: string; readonly event: () => DomainEvent }[] = [
  { name: 'a subscription validation event', event: () => fixtureEvent('eventgrid-SubscriptionValidationEvent.json') },
  { name: 'a storage account write (Event Grid schema)', event: () => fixtureEvent('eventgrid-ResourceWriteSuccess.json') },
  { name: 'a storage account write (CloudEvents)', event: () => fixtureEvent('cloudevents-ResourceWriteSuccess.json') },
  { name: 'a compute delete', event: computeDeleted },
  { name: 'an event of an unknown type', event: unknownEvent },
];

describe('routeEvent', () => {
  for (const { name, event: make } of eventsNeedingNoServices) {
    it(`logs ${name} as one line: its kind, id, what it is about and the outcome`, async () => {
      const { context, lines } = recordingContext();
      const event = make();
      const outcome = await routeEvent(event, noHandlers, context);
      expect(lines).toEqual([{ level: 'information', args: [`${eventLabel(event)} → ${outcome.reason}`] }]);
      expect(lines[0]?.args[0]).toMatch(new RegExp(`^${event.kind} ${event.id} \\w+=\\S+ → `));
    });
  }

  it('acknowledges an unknown event type without acting or asking for any capability', async () => {
    const { context } = recordingContext();
    expect(await routeEvent(unknownEvent(), noHandlers, context)).toEqual({ handled: false, reason: 'event type not handled' });
  });

  const answeredWithoutServices = [
    {
      title: 'acknowledges a subscription validation event reaching a trigger',
      kind: 'SubscriptionValidation',
      files: ['eventgrid-SubscriptionValidationEvent.json', 'eventgrid-SubscriptionValidationEvent-2020doc.json'],
      outcome: { handled: false, reason: 'event type not handled' },
    },
    {
      title: 'ignores a ResourceWriteSuccess for a resource that is not Azure ML',
      kind: 'ResourceWriteSuccess',
      files: ['eventgrid-ResourceWriteSuccess.json', 'cloudevents-ResourceWriteSuccess.json'],
      outcome: { handled: false, reason: 'not an Azure ML workspace or compute' },
    },
  ];
  for (const { title, kind, files, outcome } of answeredWithoutServices) {
    it(`${title}, without asking for any capability`, async () => {
      const { context } = recordingContext();
      for (const name of files) {
        const event = fixtureEvent(name);
        expect(event.kind).toBe(kind);
        expect(await routeEvent(event, noHandlers, context)).toEqual(outcome);
      }
    });
  }

  it('acknowledges a ResourceDeleteSuccess, even of an Azure ML compute: nothing is left to govern', async () => {
    const { context } = recordingContext();
    const event = computeDeleted();
    expect(event.kind).toBe('ResourceDeleteSuccess');
    expect(await routeEvent(event, noHandlers, context)).toEqual({ handled: false, reason: 'nothing to govern on delete' });
  });
});
