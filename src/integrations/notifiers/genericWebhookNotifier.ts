/** Any receiver that takes JSON: the notification as it is, with a schema name so receivers can route. */
import { assertSuccess, type HttpClient } from '../httpClient.js';
import type { Notification, Notifier } from './notification.js';

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

export class GenericWebhookNotifier implements Notifier {
  readonly kind = 'webhook';
  readonly #http: HttpClient;
  readonly #url: () => Promise<string>;

  constructor(http: HttpClient, url: () => Promise<string>) {
    this.#http = http;
    this.#url = url;
  }

  async send(notification: Notification): Promise<void> {
    const response = await this.#http.request({
      method: 'POST',
      url: await this.#url(),
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(genericWebhookBody(notification)),
    });
    assertSuccess(response, 'The notification webhook');
  }
}
