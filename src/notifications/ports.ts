/**
 * A message for people, independent of where it goes. Notifiers turn it into a Teams Adaptive Card,
 * Slack Block Kit blocks or a plain JSON body. Built by use cases from ARM data; never holds secrets.
 */

export type NotificationSeverity = 'info' | 'warning' | 'error';

export interface NotificationFact {
  readonly name: string;
  readonly value: string;
}

export interface Notification {
  readonly title: string;
  /** Plain text (may be long, e.g. a job's error); notifiers shorten it to what their format allows. */
  readonly text: string;
  readonly severity: NotificationSeverity;
  readonly facts: readonly NotificationFact[];
  readonly link?: { readonly title: string; readonly url: string } | undefined;
  /** The event that caused it, for correlation. */
  readonly eventId: string;
}

export interface Notifier {
  /** `teams`, `slack` or `webhook`. */
  readonly kind: string;
  send(notification: Notification): Promise<void>;
}

/** The notifier of a channel the policy's `notifications.channels` defines (a ConfigurationError for another name). */
export interface Notifiers {
  forChannel(channel: string): Notifier;
}
