import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resourceEvent } from '../../dev/emulator/arm/resourceEvents.js';
import { eventLabel, eventLog } from '../../src/eventIntake/eventLabel.js';
import type { DomainEvent } from '../../src/events/domainEvent.js';
import { parseDelivery } from '../../src/events/parseDelivery.js';
import { publishedFixtureUrl } from '../helpers/publishedFixtures.js';

const fixturesDir = publishedFixtureUrl('events/');
const fixtureEvent = (name: string): DomainEvent => {
  const [event] = parseDelivery(JSON.parse(readFileSync(new URL(name, fixturesDir), 'utf8')));
  if (event === undefined) throw new Error(`${name} holds no event`);
  return event;
};

const COMPUTE_ID = '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-mlops-demo/providers/Microsoft.MachineLearningServices/workspaces/mlw-demo/computes/gpu-cluster';

const computeWritten = (): DomainEvent => {
  const [event] = parseDelivery([
    resourceEvent({ resourceId: COMPUTE_ID, operationName: 'Microsoft.MachineLearningServices/workspaces/computes/write', action: 'write', claims: {}, now: new Date('2025-03-01T10:00:00Z') }),
  ]);
  if (event === undefined) throw new Error('no event');
  return event;
};

describe('eventLabel', () => {
  it.each([
    ['eventgrid-ModelRegistered.json', 'ModelRegistered 831e1650-001e-001b-66ab-eeb76e069631 model=sklearn_regression_model:20'],
    ['cloudevents-ModelRegistered.json', 'ModelRegistered 831e1650-001e-001b-66ab-eeb76e069631 model=sklearn_regression_model:20'],
    ['eventgrid-ModelDeployed.json', 'ModelDeployed 831e1650-001e-001b-66ab-eeb76e069631 service=my-sklearn-service'],
    ['eventgrid-RunStatusChanged.json', 'RunStatusChanged 831e1650-001e-001b-66ab-eeb76e069631 run=AutoML_ad912b2d-6467-4f32-a616-dbe4af6dd8fc_5'],
    ['eventgrid-RunCompleted.json', 'RunCompleted 831e1650-001e-001b-66ab-eeb76e069631 run=AutoML_ad912b2d-6467-4f32-a616-dbe4af6dd8fc_5'],
    ['eventgrid-DatasetDriftDetected.json', 'DatasetDriftDetected 831e1650-001e-001b-66ab-eeb76e069631 drift=myDriftMonitor run=01d29aa4-e6a4-470a-9ef3-66660d21f8ef_1571590300380'],
    ['eventgrid-ResourceWriteSuccess.json', 'ResourceWriteSuccess 4db48cba-50a2-455a-93b4-de41a3b5b7f6 resource=storageAccounts/{storage-name}'],
    ['eventgrid-SubscriptionValidationEvent.json', 'SubscriptionValidation 2d1781af-3a4c-4d7c-bd0c-e34b19da4e66 subject=(none)'],
  ])('names %s by its kind, its id and what it is about', (file, label) => {
    expect(eventLabel(fixtureEvent(file))).toBe(label);
  });

  it('names a compute by its workspace and name, and an event of another type by that type', () => {
    expect(eventLabel(computeWritten())).toMatch(/^ResourceWriteSuccess \S+ compute=mlw-demo\/gpu-cluster$/);
    const [unknown] = parseDelivery([{ id: 'u-1', eventType: 'Contoso.Thing.Happened', subject: 'things/1', eventTime: '2024-01-01T00:00:00Z', data: {} }]);
    expect(unknown === undefined ? '' : eventLabel(unknown)).toBe('Unknown u-1 type=Contoso.Thing.Happened');
  });

  it('escapes what comes from outside, so an id cannot start a line of its own', () => {
    const [event] = parseDelivery([{ ...JSON.parse(readFileSync(new URL('eventgrid-ModelRegistered.json', fixturesDir), 'utf8'))[0], id: 'evt-1\nFORGED' }]);
    expect(event === undefined ? '' : eventLabel(event)).toBe('ModelRegistered evt-1\\u000aFORGED model=sklearn_regression_model:20');
  });
});

describe('eventLog', () => {
  it("starts each line with the event's label and an arrow, writes the text alone and counts the lines", () => {
    const written: { level: string; args: unknown[] }[] = [];
    const log = eventLog(
      { info: (...args) => written.push({ level: 'info', args }), warn: (...args) => written.push({ level: 'warn', args }), error: (...args) => written.push({ level: 'error', args }) },
      fixtureEvent('eventgrid-ModelRegistered.json'),
    );
    expect(log.lines).toBe(0);
    log.info("CD started on 'model-cd' (run 17)", { eventId: '831e1650-001e-001b-66ab-eeb76e069631' });
    log.warn('a second thing');
    expect(log.lines).toBe(2);
    expect(written).toEqual([
      { level: 'info', args: ["ModelRegistered 831e1650-001e-001b-66ab-eeb76e069631 model=sklearn_regression_model:20 → CD started on 'model-cd' (run 17)"] },
      { level: 'warn', args: ['ModelRegistered 831e1650-001e-001b-66ab-eeb76e069631 model=sklearn_regression_model:20 → a second thing'] },
    ]);
  });
});
