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

/** Ends a sentence with a full stop unless it already ends with terminal punctuation (error texts often do not). */
export function sentence(text: string): string {
  const trimmed = text.trimEnd();
  return trimmed === '' || /[.!?…]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

/**
 * Joins parts into readable text: each one ends as a sentence, empty ones are dropped. A part spanning several
 * lines (a stack trace) stays its own paragraph rather than running into the next sentence.
 */
export function joinSentences(parts: readonly (string | undefined)[]): string {
  const sentences = parts.filter((part): part is string => part !== undefined && part.trim() !== '').map((part) => sentence(part.trim()));
  return sentences.reduce((text, next, index) => {
    if (index === 0) return next;
    const previous = sentences[index - 1] ?? '';
    return `${text}${previous.includes('\n') || next.includes('\n') ? '\n\n' : ' '}${next}`;
  }, '');
}

/** Cuts text to `max` characters, marking the cut. */
export function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * The notification's link if it is an https URL, or http to this machine (the local host serves plain http);
 * anything else (a `javascript:` or `data:` URL, http across a network) is left out.
 */
export function openableLink(notification: Notification): Notification['link'] {
  if (notification.link === undefined) return undefined;
  try {
    const url = new URL(notification.link.url);
    const loopback = url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
    return url.protocol === 'https:' || (url.protocol === 'http:' && loopback) ? notification.link : undefined;
  } catch {
    return undefined;
  }
}
