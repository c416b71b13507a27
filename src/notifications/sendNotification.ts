/**
 * Sends a notification to a policy channel and records `NotificationSent` (correlated by event id). The channel's
 * URL is the notifier's business (read from Key Vault when sending); neither it nor any secret is logged.
 */
import type { Log } from '../shared/log.js';
import type { Telemetry } from '../shared/telemetry.js';
import type { Notification, Notifiers } from './ports.js';

export const NOTIFICATION_SENT = 'NotificationSent';

export interface NotificationDeps {
  readonly notifiers: Notifiers;
  readonly telemetry: Telemetry;
}

export async function sendNotification(deps: NotificationDeps, log: Log, channel: string, topic: string, notification: Notification): Promise<void> {
  const notifier = deps.notifiers.forChannel(channel);
  await notifier.send(notification);
  deps.telemetry.trackEvent(NOTIFICATION_SENT, { eventId: notification.eventId, channel, channelKind: notifier.kind, topic, title: notification.title });
  log.info(`Notification '${notification.title}' sent to channel '${channel}'${notification.eventId === undefined ? '' : ` (event ${notification.eventId})`}`);
}
