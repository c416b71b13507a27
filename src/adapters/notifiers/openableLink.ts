import type { Notification } from '../../notifications/ports.js';

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
