/** Any receiver that takes JSON: the notification as it is, with a schema name so receivers can route. */
import type { Notification } from '../../notifications/ports.js';

export function genericWebhookBody(notification: Notification): Record<string, unknown> {
  return {
    schema: 'aml-warden.notification.v1',
    eventId: notification.eventId,
    severity: notification.severity,
    title: notification.title,
    text: notification.text,
    facts: Object.fromEntries(notification.facts.map((fact) => [fact.name, fact.value])),
    ...(notification.link === undefined ? {} : { link: notification.link.url }),
  };
}
