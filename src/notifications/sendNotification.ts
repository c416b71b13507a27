/**
 * Sends a notification to a policy channel and records `NotificationSent` (correlated by event id).
 * The channel's URL is read from Key Vault by the notifier; neither it nor any secret is logged.
 */
import { createNotifier, type Notification } from '../adapters/notifiers/createNotifier.js';
import type { UseCaseContext } from '../shared/useCaseContext.js';

export const NOTIFICATION_SENT = 'NotificationSent';

export async function sendNotification(context: UseCaseContext, channel: string, topic: string, notification: Notification): Promise<void> {
  const { services } = context;
  const notifier = createNotifier(channel, services.config.policy, services);
  await notifier.send(notification);
  services.telemetry.trackEvent(NOTIFICATION_SENT, { eventId: notification.eventId, channel, channelKind: notifier.kind, topic, title: notification.title });
  context.log.info(`Notification '${notification.title}' sent to channel '${channel}'`, { eventId: notification.eventId });
}
