/**
 * Sends a notification to a webhook as one JSON POST, in the receiver's format (`teamsMessage`, `slackMessage`,
 * `genericWebhookBody`). The URL is read (from Key Vault) when sending: it carries the receiver's secret, so errors
 * name the receiver, never the URL.
 */
import { assertSuccess, type HttpClient } from '../http/httpClient.js';
import type { Notification, Notifier } from '../../notifications/ports.js';

export interface WebhookFormat {
  /** The JSON body the receiver expects. */
  readonly body: (notification: Notification) => Record<string, unknown>;
  /** Names the receiver in errors: `The Slack webhook`. */
  readonly receiver: string;
}

export class WebhookNotifier implements Notifier {
  readonly kind: string;
  readonly #http: HttpClient;
  readonly #url: () => Promise<string>;
  readonly #format: WebhookFormat;

  constructor(kind: string, http: HttpClient, url: () => Promise<string>, format: WebhookFormat) {
    this.kind = kind;
    this.#http = http;
    this.#url = url;
    this.#format = format;
  }

  async send(notification: Notification): Promise<void> {
    const response = await this.#http.request({
      method: 'POST',
      url: await this.#url(),
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(this.#format.body(notification)),
    });
    assertSuccess(response, this.#format.receiver);
  }
}
