import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import type { DomainEvent } from '../../src/events/domainEvent.js';
import { kindOfEventType, parseDelivery, parseEvent } from '../../src/events/parseDelivery.js';
import { publishedFixtureUrl } from '../helpers/publishedFixtures.js';

const fixturesDir = publishedFixtureUrl('events/');
const fixtureText = (name: string): string => readFileSync(new URL(name, fixturesDir), 'utf8');
const fixture = (name: string): unknown => JSON.parse(fixtureText(name));

/** The first event of a fixture file, as a mutable JSON object. */
function firstEventOf(name: string): Record<string, unknown> {
  const body = fixture(name);
  const event: unknown = Array.isArray(body) ? body[0] : body;
  if (typeof event !== 'object' || event === null) throw new Error(`${name} holds no event object`);
  return structuredClone(event) as Record<string, unknown>;
}

/** Rewrites the top-level `data` keys to camelCase, as the REST spec and real deliveries send them. */
function withCamelCaseData(event: Record<string, unknown>): Record<string, unknown> {
  const data = event['data'] as Record<string, unknown>;
  return {
    ...event,
    data: Object.fromEntries(Object.entries(data).map(([key, value]) => [key.charAt(0).toLowerCase() + key.slice(1), value])),
  };
}

/** Rewrites the top-level `data` keys to PascalCase, as the docs samples show them. */
function withPascalCaseData(event: Record<string, unknown>): Record<string, unknown> {
  const data = event['data'] as Record<string, unknown>;
  return {
    ...event,
    data: Object.fromEntries(Object.entries(data).map(([key, value]) => [key.charAt(0).toUpperCase() + key.slice(1), value])),
  };
}

function only(events: DomainEvent[]): DomainEvent {
  expect(events).toHaveLength(1);
  const [event] = events;
  if (event === undefined) throw new Error('no event');
  return event;
}

function caught(action: () => unknown): AppError {
  try {
    action();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError');
}

const placeholderWorkspace = {
  subscriptionId: '{subscription-id}',
  resourceGroup: '{resource-group-name}',
  workspaceName: '{workspace-name}',
  id: '/subscriptions/{subscription-id}/resourceGroups/{resource-group-name}/providers/Microsoft.MachineLearningServices/workspaces/{workspace-name}',
};

describe('parseDelivery with every published sample', () => {
  const files = readdirSync(fixturesDir).filter((name) => name.endsWith('.json'));

  it('finds the published samples', () => {
    expect(files.length).toBeGreaterThanOrEqual(15);
  });

  for (const name of files) {
    if (name === 'eventgrid-SubscriptionValidationResponse.json') {
      it(`${name} (a handshake answer, not an event) is refused naming the body`, () => {
        const error = caught(() => parseDelivery(fixture(name)));
        expect(error.code).toBe('BadRequest');
        expect(error.target).toBe('body');
      });
      continue;
    }
    it(`${name} parses as it is into a typed event of its declared type`, () => {
      const raw = firstEventOf(name);
      const event = only(parseDelivery(fixture(name)));
      expect(event.type).toBe(raw['eventType'] ?? raw['type']);
      expect(event.id).toBe(raw['id']);
      expect(event.schema).toBe(name.startsWith('cloudevents-') ? 'CloudEvents' : 'EventGrid');
      expect(event.kind).not.toBe('Unknown');
      expect(event.time).toBe(raw['eventTime'] ?? raw['time']);
    });
    it(`${name} parses the same with its data keys in the other casing`, () => {
      const raw = firstEventOf(name);
      const asDocumented = parseEvent(raw, 'body[0]');
      expect(parseEvent(withCamelCaseData(raw), 'body[0]')).toEqual(asDocumented);
      expect(parseEvent(withPascalCaseData(raw), 'body[0]')).toEqual(asDocumented);
    });
  }
});

describe('Azure ML events', () => {
  it('ModelRegistered (Event Grid) carries the model name, the version as a string, tags and the workspace', () => {
    const event = only(parseDelivery(fixture('eventgrid-ModelRegistered.json')));
    expect(event.kind).toBe('ModelRegistered');
    if (event.kind !== 'ModelRegistered') return;
    expect(event.data).toEqual({
      modelName: 'sklearn_regression_model',
      modelVersion: '20',
      modelTags: { area: 'diabetes', type: 'regression' },
      modelProperties: { type: 'test' },
    });
    expect(event.subject).toBe('models/sklearn_regression_model:20');
    expect(event.source).toBe(placeholderWorkspace.id);
    expect(event.workspace).toEqual(placeholderWorkspace);
  });

  it('ModelRegistered (CloudEvents) reads source, time and the same data', () => {
    const event = only(parseDelivery(fixture('cloudevents-ModelRegistered.json')));
    expect(event).toMatchObject({
      kind: 'ModelRegistered',
      schema: 'CloudEvents',
      source: placeholderWorkspace.id,
      time: '2017-06-26T18:41:00.9584103Z',
      workspace: placeholderWorkspace,
      data: { modelName: 'sklearn_regression_model', modelVersion: '20' },
    });
  });

  it('a string modelVersion is kept as it is', () => {
    const raw = withCamelCaseData(firstEventOf('eventgrid-ModelRegistered.json'));
    (raw['data'] as Record<string, unknown>)['modelVersion'] = '7';
    expect(parseEvent(raw)).toMatchObject({ data: { modelName: 'sklearn_regression_model', modelVersion: '7' } });
  });

  it('absent model tags and properties become empty maps', () => {
    const raw = firstEventOf('eventgrid-ModelRegistered.json');
    raw['data'] = { modelName: 'm', modelVersion: 3 };
    expect(parseEvent(raw)).toMatchObject({ data: { modelName: 'm', modelVersion: '3', modelTags: {}, modelProperties: {} } });
  });

  it('an exact camelCase key wins over its PascalCase twin', () => {
    const raw = firstEventOf('eventgrid-ModelRegistered.json');
    raw['data'] = { ModelName: 'pascal', modelName: 'camel', ModelVersion: 1 };
    expect(parseEvent(raw)).toMatchObject({ data: { modelName: 'camel', modelVersion: '1' } });
  });

  it('ModelDeployed splits the comma-separated model ids', () => {
    const event = only(parseDelivery(fixture('eventgrid-ModelDeployed.json')));
    expect(event).toMatchObject({
      kind: 'ModelDeployed',
      data: {
        serviceName: 'my-sklearn-service',
        serviceComputeType: 'ACI',
        modelIds: ['sklearn_regression_model:1', 'sklearn_regression_model:2'],
        serviceTags: { area: 'diabetes', type: 'regression' },
        serviceProperties: { type: 'test' },
      },
    });
  });

  it('RunStatusChanged normalises runStatus "failed" to "Failed" and keeps a null runType', () => {
    for (const name of ['eventgrid-RunStatusChanged.json', 'cloudevents-RunStatusChanged.json']) {
      const event = only(parseDelivery(fixture(name)));
      expect(event).toMatchObject({
        kind: 'RunStatusChanged',
        data: {
          experimentId: '0fa9dfaa-cba3-4fa7-b590-23e48548f5c1',
          experimentName: 'automl-local-regression',
          runId: 'AutoML_ad912b2d-6467-4f32-a616-dbe4af6dd8fc_5',
          runType: null,
          runTags: {},
          runStatus: 'Failed',
        },
      });
      if (event.kind === 'RunStatusChanged') expect(event.data.runProperties['run_algorithm']).toBe('LassoLars');
    }
  });

  it('runStatus spellings map to the canonical status', () => {
    const raw = firstEventOf('eventgrid-RunStatusChanged.json');
    const statusOf = (runStatus: unknown) => {
      (raw['data'] as Record<string, unknown>)['runStatus'] = runStatus;
      const event = parseEvent(raw);
      return event.kind === 'RunStatusChanged' ? event.data.runStatus : 'not a run event';
    };
    expect(statusOf('Failed')).toBe('Failed');
    expect(statusOf('FAILED')).toBe('Failed');
    expect(statusOf('canceled')).toBe('Canceled');
    expect(statusOf('notstarted')).toBe('NotStarted');
    expect(statusOf('somethingNew')).toBe('SomethingNew');
  });

  it('RunCompleted has no runStatus when none is sent', () => {
    const event = only(parseDelivery(fixture('eventgrid-RunCompleted.json')));
    expect(event.kind).toBe('RunCompleted');
    if (event.kind === 'RunCompleted') {
      expect(event.data.runStatus).toBeUndefined();
      expect(event.data.runType).toBeNull();
    }
  });

  it('DatasetDriftDetected carries the drift coefficient as a number', () => {
    const event = only(parseDelivery(fixture('cloudevents-DatasetDriftDetected.json')));
    expect(event).toMatchObject({
      kind: 'DatasetDriftDetected',
      subject: 'datadrifts/{}/runs/{}',
      data: {
        dataDriftId: '01d29aa4-e6a4-470a-9ef3-66660d21f8ef',
        dataDriftName: 'myDriftMonitor',
        runId: '01d29aa4-e6a4-470a-9ef3-66660d21f8ef_1571590300380',
        baseDatasetId: '3c56d136-0f64-4657-a0e8-5162089a88a3',
        targetDatasetId: 'd7e74d2e-c972-4266-b5fb-6c9c182d2a74',
        startTime: '2019-07-04T00:00:00+00:00',
        endTime: '2019-07-05T00:00:00+00:00',
      },
    });
    if (event.kind === 'DatasetDriftDetected') expect(event.data.driftCoefficient).toBeCloseTo(0.835, 3);
  });
});

describe('resource events', () => {
  it('ResourceWriteSuccess on a storage account is classified "other" with no workspace', () => {
    const event = only(parseDelivery(fixture('eventgrid-ResourceWriteSuccess.json')));
    expect(event).toMatchObject({
      kind: 'ResourceWriteSuccess',
      workspace: null,
      source: '/subscriptions/{subscription-id}/resourceGroups/{resource-group}',
      data: {
        resourceUri:
          '/subscriptions/{subscription-id}/resourcegroups/{resource-group}/providers/Microsoft.Storage/storageAccounts/{storage-name}',
        operationName: 'Microsoft.Storage/storageAccounts/write',
        status: 'Succeeded',
        subscriptionId: '{subscription-id}',
        tenantId: '{tenant-id}',
        resourceProvider: 'Microsoft.Storage',
        correlationId: '{ID}',
        resourceKind: 'other',
        computeName: null,
      },
    });
  });

  it('a CloudEvents delivery that is a single object (structured mode) parses as one event', () => {
    const body = fixture('cloudevents-ResourceWriteSuccess.json');
    expect(Array.isArray(body)).toBe(false);
    expect(only(parseDelivery(body))).toMatchObject({ kind: 'ResourceWriteSuccess', schema: 'CloudEvents' });
  });

  it('a write to an Azure ML compute is classified "compute" with its workspace and name', () => {
    const raw = firstEventOf('eventgrid-ResourceWriteSuccess.json');
    const uri =
      '/subscriptions/11111111-1111-1111-1111-111111111111/resourcegroups/rg-mlops-demo/providers/Microsoft.MachineLearningServices/workspaces/mlw-demo/computes/gpu-cluster';
    raw['subject'] = uri;
    raw['data'] = { ...(raw['data'] as object), resourceUri: uri, operationName: 'Microsoft.MachineLearningServices/workspaces/computes/write', resourceProvider: 'Microsoft.MachineLearningServices' };
    expect(parseEvent(raw)).toMatchObject({
      kind: 'ResourceWriteSuccess',
      workspace: {
        subscriptionId: '11111111-1111-1111-1111-111111111111',
        resourceGroup: 'rg-mlops-demo',
        workspaceName: 'mlw-demo',
        id: '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-mlops-demo/providers/Microsoft.MachineLearningServices/workspaces/mlw-demo',
      },
      data: { resourceKind: 'compute', computeName: 'gpu-cluster' },
    });
  });

  it('ResourceDeleteSuccess is classified as its own kind with the same data', () => {
    const raw = firstEventOf('eventgrid-ResourceWriteSuccess.json');
    raw['eventType'] = 'Microsoft.Resources.ResourceDeleteSuccess';
    const uri = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w';
    raw['data'] = { ...(raw['data'] as object), resourceUri: uri };
    expect(parseEvent(raw)).toMatchObject({ kind: 'ResourceDeleteSuccess', data: { resourceKind: 'workspace', resourceUri: uri } });
  });
});

describe('handshakes, schema quirks and unknown types', () => {
  it('SubscriptionValidationEvent yields the code the documented answer echoes', () => {
    const answer = fixture('eventgrid-SubscriptionValidationResponse.json') as { validationResponse: string };
    for (const name of ['eventgrid-SubscriptionValidationEvent.json', 'eventgrid-SubscriptionValidationEvent-2020doc.json']) {
      const event = only(parseDelivery(fixture(name)));
      expect(event.kind).toBe('SubscriptionValidation');
      if (event.kind === 'SubscriptionValidation') {
        expect(event.data.validationCode).toBe(answer.validationResponse);
        expect(event.data.validationUrl).toContain('/validate?id=');
      }
      expect(event.workspace).toBeNull();
    }
  });

  it('accepts the "specVersion" spelling some CloudEvents producers use', () => {
    const raw = firstEventOf('cloudevents-ModelRegistered.json');
    delete raw['specversion'];
    raw['specVersion'] = '1.0';
    expect(parseEvent(raw)).toMatchObject({ kind: 'ModelRegistered', schema: 'CloudEvents' });
  });

  it('a CloudEvents batch of several events parses each in order', () => {
    const first = firstEventOf('cloudevents-ModelRegistered.json');
    const second = firstEventOf('cloudevents-RunStatusChanged.json');
    expect(parseDelivery([first, second]).map((event) => event.kind)).toEqual(['ModelRegistered', 'RunStatusChanged']);
  });

  it('an event of another type is kept as Unknown with its data untouched', () => {
    const raw = firstEventOf('eventgrid-ModelRegistered.json');
    raw['eventType'] = 'Microsoft.Storage.BlobCreated';
    raw['data'] = { url: 'https://example.blob.core.windows.net/c/b', anything: [1, 2] };
    expect(parseEvent(raw)).toMatchObject({ kind: 'Unknown', type: 'Microsoft.Storage.BlobCreated', data: raw['data'] });
  });

  it('event types match without regard to case, as Event Grid treats them', () => {
    expect(kindOfEventType('microsoft.machinelearningservices.modelregistered')).toBe('ModelRegistered');
    expect(kindOfEventType('Contoso.Other')).toBe('Unknown');
  });
});

describe('malformed deliveries name the offending field', () => {
  it('a ModelRegistered without a model name → body[0].data.modelName', () => {
    const raw = firstEventOf('eventgrid-ModelRegistered.json');
    delete (raw['data'] as Record<string, unknown>)['ModelName'];
    const error = caught(() => parseDelivery([raw]));
    expect(error.code).toBe('BadRequest');
    expect(error.status).toBe(400);
    expect(error.target).toBe('body[0].data.modelName');
    expect(error.message).toContain('body[0].data.modelName is required');
  });

  it('a model version that is an object → body[1].data.modelVersion', () => {
    const good = firstEventOf('eventgrid-ModelRegistered.json');
    const bad = withCamelCaseData(firstEventOf('eventgrid-ModelRegistered.json'));
    (bad['data'] as Record<string, unknown>)['modelVersion'] = { major: 1 };
    expect(caught(() => parseDelivery([good, bad])).target).toBe('body[1].data.modelVersion');
  });

  it('a known event type without data → body[0].data', () => {
    const raw = firstEventOf('cloudevents-RunStatusChanged.json');
    delete raw['data'];
    expect(caught(() => parseDelivery([raw])).target).toBe('body[0].data');
  });

  it('tags that are not a map → body[0].data.modelTags', () => {
    const raw = firstEventOf('eventgrid-ModelRegistered.json');
    (raw['data'] as Record<string, unknown>)['ModelTags'] = ['area'];
    expect(caught(() => parseDelivery([raw])).target).toBe('body[0].data.modelTags');
  });

  it('an Event Grid event without an id → body[0].id; an empty id is refused too', () => {
    const raw = firstEventOf('eventgrid-RunCompleted.json');
    delete raw['id'];
    expect(caught(() => parseDelivery([raw])).target).toBe('body[0].id');
    raw['id'] = '';
    expect(caught(() => parseDelivery([raw])).message).toContain('body[0].id must not be empty');
  });

  it('a CloudEvents event without a source → body.source', () => {
    const raw = firstEventOf('cloudevents-ResourceWriteSuccess.json');
    delete raw['source'];
    expect(caught(() => parseDelivery(raw)).target).toBe('body.source');
  });

  it('an unsupported CloudEvents version → body[0].specversion', () => {
    const raw = firstEventOf('cloudevents-ModelRegistered.json');
    raw['specversion'] = '0.3';
    expect(caught(() => parseDelivery([raw])).target).toBe('body[0].specversion');
  });

  it('an object of neither schema → body[0]', () => {
    const error = caught(() => parseDelivery([{ hello: 'world' }]));
    expect(error.target).toBe('body[0]');
    expect(error.message).toContain('neither');
  });

  it('an array element that is not an object → its index', () => {
    expect(caught(() => parseDelivery([firstEventOf('eventgrid-RunCompleted.json'), 42])).target).toBe('body[1]');
  });

  it('a body that is neither an object nor an array, or an empty array, → body', () => {
    expect(caught(() => parseDelivery('events')).target).toBe('body');
    expect(caught(() => parseDelivery(null)).target).toBe('body');
    expect(caught(() => parseDelivery([])).target).toBe('body');
  });

  it('a single triggered event names itself "event"', () => {
    const raw = firstEventOf('eventgrid-DatasetDriftDetected.json');
    (raw['data'] as Record<string, unknown>)['DriftCoefficient'] = 'high';
    const error = caught(() => parseEvent(raw));
    expect(error.target).toBe('event.data.driftCoefficient');
    expect(error.details.map((detail) => detail.target)).toContain('event.data.driftCoefficient');
  });
});
