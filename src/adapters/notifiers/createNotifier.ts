import { AppError } from '../../errors.js';
import type { Notifier, Notifiers } from '../../notifications/ports.js';
import { channelDefinition } from '../../policy/notificationRoutes.js';
import type { NotificationChannel, Policy } from '../../policy/policySchema.js';
import type { HttpClient } from '../http/httpClient.js';
import type { SecretStore } from '../keyvault/secrets.js';
import { cardLinks } from './consoleLinks.js';
import { genericWebhookBody } from './genericWebhookBody.js';
import { slackMessage } from './slackMessage.js';
import { teamsMessage } from './teamsMessage.js';
import { WebhookNotifier, type WebhookFormat } from './webhookNotifier.js';

export interface NotifierDeps {
  readonly http: HttpClient;
  readonly secrets: SecretStore;
  /** The web console's address (`AML_WARDEN_CONSOLE_URL`): Teams and Slack cards then link to its pages. */
  readonly consoleUrl?: string | undefined;
}

function formatOf(kind: NotificationChannel['kind'], consoleUrl: string | undefined): WebhookFormat {
  switch (kind) {
    case 'teams':
      return { body: (notification) => teamsMessage(notification, cardLinks(notification, consoleUrl)), receiver: 'The Teams workflow webhook' };
    case 'slack':
      return { body: (notification) => slackMessage(notification, cardLinks(notification, consoleUrl)), receiver: 'The Slack webhook' };
    case 'webhook':
      return { body: genericWebhookBody, receiver: 'The notification webhook' };
  }
}

/** The notifier for a channel named in `notifications.channels`; its URL is read from Key Vault when sending. */
export function createNotifier(channel: string, policy: Policy, deps: NotifierDeps): Notifier {
  const definition = channelDefinition(channel, policy);
  if (definition === undefined) {
    throw new AppError('ConfigurationError', `Notification channel '${channel}' is not defined in notifications.channels`, {
      target: 'notifications.channels',
      module: 'notifiers',
    });
  }
  return new WebhookNotifier(definition.kind, deps.http, () => deps.secrets.getSecret(definition.urlSecretName), formatOf(definition.kind, deps.consoleUrl));
}

/** The policy's channels, each notifier built once. */
export function createNotifiers(policy: Policy, deps: NotifierDeps): Notifiers {
  const built = new Map<string, Notifier>();
  return {
    forChannel(channel) {
      let notifier = built.get(channel);
      if (notifier === undefined) {
        notifier = createNotifier(channel, policy, deps);
        built.set(channel, notifier);
      }
      return notifier;
    },
  };
}
