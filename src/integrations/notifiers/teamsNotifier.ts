/**
 * Microsoft Teams through a Workflows (Power Automate) "post to a channel when a webhook request is received"
 * trigger: a message whose attachment is an Adaptive Card. The trigger's URL carries its signature, so it comes
 * from Key Vault and is never logged.
 */
import { assertSuccess, type HttpClient } from '../httpClient.js';
import { shorten, type Notification, type Notifier } from './notification.js';

const MAX_TEXT = 2000;
const colorBySeverity = { info: 'Default', warning: 'Warning', error: 'Attention' } as const;

/** The Workflows message with one Adaptive Card (schema 1.4, what Teams renders). */
export function teamsMessage(notification: Notification): Record<string, unknown> {
  const card = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    msteams: { width: 'Full' },
    body: [
      { type: 'TextBlock', text: notification.title, weight: 'Bolder', size: 'Medium', wrap: true, color: colorBySeverity[notification.severity] },
      { type: 'TextBlock', text: shorten(notification.text, MAX_TEXT), wrap: true },
      ...(notification.facts.length === 0
        ? []
        : [{ type: 'FactSet', facts: notification.facts.map((fact) => ({ title: fact.name, value: fact.value })) }]),
    ],
    ...(notification.link === undefined ? {} : { actions: [{ type: 'Action.OpenUrl', title: notification.link.title, url: notification.link.url }] }),
  };
  return {
    type: 'message',
    attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card }],
  };
}

export class TeamsNotifier implements Notifier {
  readonly kind = 'teams';
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
      body: JSON.stringify(teamsMessage(notification)),
    });
    assertSuccess(response, 'The Teams workflow webhook');
  }
}
