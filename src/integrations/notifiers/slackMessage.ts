/** Slack incoming webhook with Block Kit blocks (and `text` as the notification fallback). */
import { joinSentences, shorten, type Notification } from './notification.js';

// Block Kit limits: header 150, section text 3000, 10 fields of 2000.
const MAX_HEADER = 150;
const MAX_SECTION = 3000;
const MAX_FIELDS = 10;
const iconBySeverity = { info: ':information_source:', warning: ':warning:', error: ':x:' } as const;

/** Slack's mrkdwn treats &, < and > specially. */
function escapeMrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

export function slackMessage(notification: Notification): Record<string, unknown> {
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: shorten(notification.title, MAX_HEADER), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: shorten(`${iconBySeverity[notification.severity]} ${escapeMrkdwn(notification.text)}`, MAX_SECTION) } },
  ];
  if (notification.facts.length > 0) {
    blocks.push({
      type: 'section',
      fields: notification.facts.slice(0, MAX_FIELDS).map((fact) => ({ type: 'mrkdwn', text: shorten(`*${escapeMrkdwn(fact.name)}*\n${escapeMrkdwn(fact.value)}`, 2000) })),
    });
  }
  if (notification.link !== undefined) {
    blocks.push({ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: notification.link.title }, url: notification.link.url }] });
  }
  // The fallback (notifications, screen readers) is one text — the title as its first sentence, then the body — and
  // Slack reads it as mrkdwn too.
  return { text: shorten(escapeMrkdwn(joinSentences([notification.title, notification.text])), MAX_SECTION), blocks };
}
