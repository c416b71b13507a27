import { AppError } from '../../errors.js';
import { channelDefinition } from '../../policy/notificationRoutes.js';
import type { Policy } from '../../policy/policySchema.js';
import type { HttpClient } from '../httpClient.js';
import type { SecretStore } from '../secrets.js';
import { GenericWebhookNotifier } from './genericWebhookNotifier.js';
import type { Notifier } from './notification.js';
import { SlackNotifier } from './slackNotifier.js';
import { TeamsNotifier } from './teamsNotifier.js';

export type { Notification, NotificationFact, NotificationSeverity, Notifier } from './notification.js';

export interface NotifierDeps {
  readonly http: HttpClient;
  readonly secrets: SecretStore;
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
  const url = () => deps.secrets.getSecret(definition.urlSecretName);
  switch (definition.kind) {
    case 'teams':
      return new TeamsNotifier(deps.http, url);
    case 'slack':
      return new SlackNotifier(deps.http, url);
    case 'webhook':
      return new GenericWebhookNotifier(deps.http, url);
  }
}
