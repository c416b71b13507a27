import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { readEventGridDelivery } from '../../../dev/host/eventGridDelivery.js';
import { publishedFixtureUrl } from '../../helpers/publishedFixtures.js';

const EVENTS = publishedFixtureUrl('events/');
const fixture = (name: string): string => readFileSync(new URL(name, EVENTS), 'utf8');

describe('reading an Event Grid webhook delivery', () => {
  test('a notification carries every event of the array', () => {
    const delivery = readEventGridDelivery('Notification', 'application/json', fixture('eventgrid-RunStatusChanged.json'));
    expect(delivery.kind).toBe('notification');
    if (delivery.kind !== 'notification') return;
    expect(delivery.events).toHaveLength(1);
    expect(delivery.events[0]).toMatchObject({ eventType: 'Microsoft.MachineLearningServices.RunStatusChanged' });
  });

  test('the validation handshake reads the code from both documented samples', () => {
    for (const name of ['eventgrid-SubscriptionValidationEvent.json', 'eventgrid-SubscriptionValidationEvent-2020doc.json']) {
      expect(readEventGridDelivery('SubscriptionValidation', 'application/json', fixture(name))).toEqual({
        kind: 'validation',
        validationCode: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6',
      });
    }
  });

  test('a single CloudEvent is a one-event notification, with or without the aeg-event-type header', () => {
    const single = fixture('cloudevents-ResourceWriteSuccess.json');
    for (const header of ['Notification', undefined]) {
      const delivery = readEventGridDelivery(header, 'application/cloudevents+json; charset=utf-8', single);
      expect(delivery.kind === 'notification' ? delivery.events.map((event) => event['type']) : delivery).toEqual(['Microsoft.Resources.ResourceWriteSuccess']);
    }
  });

  test('a CloudEvent written with specVersion is still recognised', () => {
    const event = JSON.stringify({ specVersion: '1.0', id: '1', type: 'Sample', source: '/s' });
    expect(readEventGridDelivery('Notification', 'application/json', event).kind).toBe('notification');
  });

  test('bodies that are not event arrays, and unknown or missing event types, are invalid', () => {
    expect(readEventGridDelivery('Notification', 'application/json', 'not json')).toMatchObject({ kind: 'invalid' });
    expect(readEventGridDelivery('Notification', 'application/json', '{"id": "1"}')).toMatchObject({ kind: 'invalid' });
    expect(readEventGridDelivery('Notification', 'application/json', '[1, 2]')).toMatchObject({ kind: 'invalid' });
    expect(readEventGridDelivery(undefined, 'application/json', fixture('eventgrid-ModelRegistered.json'))).toMatchObject({ kind: 'invalid', message: expect.stringContaining('aeg-event-type') });
    expect(readEventGridDelivery('Bogus', 'application/json', '[]')).toMatchObject({ kind: 'invalid' });
    expect(readEventGridDelivery('SubscriptionValidation', 'application/json', '[{"data": {}}]')).toMatchObject({ kind: 'invalid' });
  });

  test('a subscription deletion notice is recognised', () => {
    expect(readEventGridDelivery('SubscriptionDeletion', 'application/json', '[]')).toEqual({ kind: 'deletion' });
  });
});
