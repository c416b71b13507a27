/**
 * Reads a delivery to the Event Grid extension's webhook (`/runtime/webhooks/eventgrid`): what Event Grid
 * asks for (header `aeg-event-type`) and the events it carries, in the Event Grid schema or CloudEvents 1.0.
 */
import { z } from 'zod';

export type EventGridEvent = Record<string, unknown>;

export type EventGridDelivery =
  | { readonly kind: 'notification'; readonly events: readonly EventGridEvent[] }
  | { readonly kind: 'validation'; readonly validationCode: string }
  | { readonly kind: 'deletion' }
  | { readonly kind: 'invalid'; readonly message: string };

const eventSchema = z.record(z.string(), z.unknown());
const validationEventSchema = z.looseObject({
  data: z.looseObject({ validationCode: z.string().optional(), ValidationCode: z.string().optional() }),
});

function isCloudEvent(value: EventGridEvent): boolean {
  return typeof (value['specversion'] ?? value['specVersion']) === 'string';
}

function parseJson(body: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch {
    return { ok: false };
  }
}

/** `eventType` is the `aeg-event-type` header; CloudEvents producers may omit it (`content-type: application/cloudevents...`). */
export function readEventGridDelivery(eventType: string | undefined, contentType: string | undefined, body: string): EventGridDelivery {
  const parsed = parseJson(body);
  if (!parsed.ok) return { kind: 'invalid', message: 'The body is not JSON.' };
  const type = eventType?.trim().toLowerCase();

  if (type === 'subscriptionvalidation') {
    const first: unknown = Array.isArray(parsed.value) ? parsed.value[0] : parsed.value;
    const event = validationEventSchema.safeParse(first);
    const code = event.success ? (event.data.data.validationCode ?? event.data.data.ValidationCode) : undefined;
    return code === undefined ? { kind: 'invalid', message: 'The validation event has no data.validationCode.' } : { kind: 'validation', validationCode: code };
  }
  if (type === 'subscriptiondeletion') return { kind: 'deletion' };

  const cloudEventsContent = contentType?.toLowerCase().includes('application/cloudevents') ?? false;
  if (type !== 'notification' && !(type === undefined && cloudEventsContent)) {
    return { kind: 'invalid', message: type === undefined ? "The 'aeg-event-type' header is missing." : `Unknown aeg-event-type '${eventType ?? ''}'.` };
  }

  const single = eventSchema.safeParse(parsed.value);
  if (single.success) {
    return isCloudEvent(single.data) ? { kind: 'notification', events: [single.data] } : { kind: 'invalid', message: 'The body must be a JSON array of events.' };
  }
  const events = z.array(eventSchema).safeParse(parsed.value);
  if (!events.success) return { kind: 'invalid', message: 'The body must be a JSON array of events (objects).' };
  return { kind: 'notification', events: events.data };
}
