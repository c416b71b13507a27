import { z } from 'zod';
import { AppError } from '../errors.js';
import { eventKindByType, type DomainEvent, type DomainEventKind, type EventSchema } from './domainEvent.js';
import { eventDataSchemas } from './eventDataSchemas.js';
import { findWorkspace } from './resourceReference.js';

/**
 * Event Grid and CloudEvents 1.0 deliveries → `DomainEvent`s. Anything malformed is a
 * `BadRequest` whose `target` names the offending field (`body[0].data.modelName`).
 */

const required = (what: string) => ({
  error: (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : `must be ${what}`),
});

const eventGridEnvelope = z.object({
  id: z.string(required('a string')).min(1, { error: 'must not be empty' }),
  eventType: z.string(required('a string')).min(1, { error: 'must not be empty' }),
  subject: z.string(required('a string')),
  eventTime: z.string(required('a string')),
  // Stamped by Event Grid on delivery; absent on events a publisher builds itself.
  topic: z.string(required('a string')).optional(),
  data: z.unknown(),
});

const cloudEventsEnvelope = z.object({
  id: z.string(required('a string')).min(1, { error: 'must not be empty' }),
  type: z.string(required('a string')).min(1, { error: 'must not be empty' }),
  source: z.string(required('a string')).min(1, { error: 'must not be empty' }),
  subject: z.string(required('a string')).optional(),
  time: z.string(required('a string')).optional(),
  data: z.unknown(),
});

const kindByLowerCaseType = new Map(Object.entries(eventKindByType).map(([type, kind]) => [type.toLowerCase(), kind]));

/** Event Grid treats event types case-insensitively; so do we. */
export function kindOfEventType(type: string): DomainEventKind {
  return kindByLowerCaseType.get(type.toLowerCase()) ?? 'Unknown';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describePath(base: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (target, key) => (typeof key === 'number' ? `${target}[${key}]` : `${target}.${String(key)}`),
    base,
  );
}

function badRequest(error: z.ZodError, base: string, what: string): AppError {
  const details = error.issues.map((issue) => ({ target: describePath(base, issue.path), message: issue.message }));
  const first = details[0] ?? { target: base, message: 'is invalid' };
  return new AppError('BadRequest', `${what}: ${first.target} ${first.message}`, {
    target: first.target,
    details,
    module: 'events',
  });
}

function parseWith<T extends z.ZodType>(schema: T, value: unknown, base: string, what: string): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw badRequest(result.error, base, what);
  return result.data;
}

function schemaOf(raw: Record<string, unknown>, target: string): EventSchema {
  // Some CloudEvents producers write `specVersion`.
  const specVersion = raw['specversion'] ?? raw['specVersion'];
  if (specVersion !== undefined) {
    if (specVersion !== '1.0') {
      throw new AppError('BadRequest', `${target}.specversion must be "1.0"`, {
        target: `${target}.specversion`,
        module: 'events',
      });
    }
    return 'CloudEvents';
  }
  if ('eventType' in raw) return 'EventGrid';
  throw new AppError(
    'BadRequest',
    `${target} is neither an Event Grid event (no eventType) nor a CloudEvents 1.0 event (no specversion)`,
    { target, module: 'events' },
  );
}

/** The fields both schemas carry, as the app names them. */
interface WireEnvelope {
  readonly id: string;
  readonly type: string;
  readonly time: string;
  readonly subject: string;
  readonly source: string;
  readonly data: unknown;
}

function eventGridEnvelopeOf(raw: Record<string, unknown>, target: string): WireEnvelope {
  const event = parseWith(eventGridEnvelope, raw, target, 'Malformed Event Grid event');
  return { id: event.id, type: event.eventType, time: event.eventTime, subject: event.subject, source: event.topic ?? '', data: event.data };
}

function cloudEventsEnvelopeOf(raw: Record<string, unknown>, target: string): WireEnvelope {
  const event = parseWith(cloudEventsEnvelope, raw, target, 'Malformed CloudEvents event');
  return { id: event.id, type: event.type, time: event.time ?? '', subject: event.subject ?? '', source: event.source, data: event.data };
}

/**
 * Parses one event in either schema. `target` is how the error names it: `body[2]` in a webhook
 * batch, `event` for the one event an Event Grid trigger receives.
 */
export function parseEvent(raw: unknown, target = 'event'): DomainEvent {
  if (!isRecord(raw)) {
    throw new AppError('BadRequest', `${target} must be a JSON object`, { target, module: 'events' });
  }
  const schema = schemaOf(raw, target);
  const envelope = schema === 'EventGrid' ? eventGridEnvelopeOf(raw, target) : cloudEventsEnvelopeOf(raw, target);

  const { data, ...fields } = envelope;
  const base = { ...fields, schema, workspace: findWorkspace(fields.source, fields.subject) };
  const dataOf = <T extends z.ZodType>(dataSchema: T): z.output<T> =>
    parseWith(dataSchema, data, `${target}.data`, `Malformed ${fields.type} event`);

  const kind = kindOfEventType(fields.type);
  switch (kind) {
    case 'ModelRegistered':
      return { ...base, kind, data: dataOf(eventDataSchemas.ModelRegistered) };
    case 'ModelDeployed':
      return { ...base, kind, data: dataOf(eventDataSchemas.ModelDeployed) };
    case 'RunCompleted':
      return { ...base, kind, data: dataOf(eventDataSchemas.RunCompleted) };
    case 'RunStatusChanged':
      return { ...base, kind, data: dataOf(eventDataSchemas.RunStatusChanged) };
    case 'DatasetDriftDetected':
      return { ...base, kind, data: dataOf(eventDataSchemas.DatasetDriftDetected) };
    case 'ResourceWriteSuccess':
      return { ...base, kind, data: dataOf(eventDataSchemas.ResourceWriteSuccess) };
    case 'ResourceDeleteSuccess':
      return { ...base, kind, data: dataOf(eventDataSchemas.ResourceDeleteSuccess) };
    case 'SubscriptionValidation':
      return { ...base, kind, data: dataOf(eventDataSchemas.SubscriptionValidation) };
    case 'Unknown':
      return { ...base, kind, data };
  }
}

/**
 * Parses a webhook delivery body: an array of events (Event Grid, CloudEvents batch) or a single
 * event object (CloudEvents structured mode).
 */
export function parseDelivery(body: unknown): DomainEvent[] {
  if (Array.isArray(body)) {
    if (body.length === 0) throw new AppError('BadRequest', 'body holds no events', { target: 'body', module: 'events' });
    return body.map((raw, index) => parseEvent(raw, `body[${index}]`));
  }
  if (isRecord(body)) return [parseEvent(body, 'body')];
  throw new AppError('BadRequest', 'body must be an event object or an array of events', { target: 'body', module: 'events' });
}
