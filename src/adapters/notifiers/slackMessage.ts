/**
 * Slack incoming webhook with Block Kit blocks (and `text` as the notification fallback).
 *
 * Text from callers and events is escaped as Slack asks: `&`, `<` and `>` as entities, so `<https://evil|here>`,
 * `<!channel>` and `<@U123>` stay text (api.slack.com/reference/surfaces/formatting#escaping). Every mrkdwn object
 * is also `verbatim`, so Slack does not turn bare URLs, channel names or mentions into links either
 * (api.slack.com/reference/block-kit/composition-objects#text).
 */
import type { Notification } from '../../notifications/ports.js';
import { joinSentences, shorten } from '../../shared/text.js';
import { cardLinks, type CardLink } from './consoleLinks.js';

// Block Kit limits: header 150, section text 3000, 10 fields of 2000.
const MAX_HEADER = 150;
const MAX_SECTION = 3000;
const MAX_FIELD = 2000;
const MAX_FIELDS = 10;
const iconBySeverity = { info: ':information_source:', warning: ':warning:', error: ':x:' } as const;

/** Slack's mrkdwn treats &, < and > specially. */
function escapeMrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

function mrkdwn(text: string, max: number): Record<string, unknown> {
  return { type: 'mrkdwn', text: shorten(text, max), verbatim: true };
}

/** `links` become the message's buttons. */
export function slackMessage(notification: Notification, links: readonly CardLink[] = cardLinks(notification, undefined)): Record<string, unknown> {
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: shorten(notification.title, MAX_HEADER), emoji: true } },
    { type: 'section', text: mrkdwn(`${iconBySeverity[notification.severity]} ${escapeMrkdwn(notification.text)}`, MAX_SECTION) },
  ];
  if (notification.facts.length > 0) {
    blocks.push({
      type: 'section',
      fields: notification.facts.slice(0, MAX_FIELDS).map((fact) => mrkdwn(`*${escapeMrkdwn(fact.name)}*\n${escapeMrkdwn(fact.value)}`, MAX_FIELD)),
    });
  }
  if (links.length > 0) {
    blocks.push({ type: 'actions', elements: links.map((link) => ({ type: 'button', text: { type: 'plain_text', text: link.title }, url: link.url })) });
  }
  // The fallback (notifications, screen readers) is one text — the title as its first sentence, then the body — and
  // Slack reads it as mrkdwn too.
  return { text: shorten(escapeMrkdwn(joinSentences([notification.title, notification.text])), MAX_SECTION), blocks };
}
