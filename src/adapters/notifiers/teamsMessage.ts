/**
 * Microsoft Teams through a Workflows (Power Automate) "post to a channel when a webhook request is received"
 * trigger: a message whose attachment is an Adaptive Card. The trigger's URL carries its signature, so it comes
 * from Key Vault and is never logged.
 *
 * Every string of a notification may come from a caller or an event (a justification, an error text, a run name),
 * so none of it goes where Teams reads Markdown. Teams renders Markdown in a TextBlock's text and in a Fact's title
 * and value (learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/cards-format), and "RichTextBlock
 * does not support Markdown" (learn.microsoft.com/adaptive-cards/authoring-cards/text-features). So all text is a
 * TextRun in a RichTextBlock, facts are two-column rows of them instead of a FactSet, and the only links are the
 * actions, to https URLs (`consoleLinks.ts` says which).
 */
import type { Notification } from '../../notifications/ports.js';
import { shorten } from '../../shared/text.js';
import { cardLinks, type CardLink } from './consoleLinks.js';

const MAX_TEXT = 2000;
const colorBySeverity = { info: 'Default', warning: 'Warning', error: 'Attention' } as const;

type TextRunStyle = Readonly<{ weight?: 'Bolder'; size?: 'Medium'; color?: string; isSubtle?: boolean }>;

/** One paragraph of literal text: a RichTextBlock with one TextRun, which wraps and renders no Markdown. */
function literal(text: string, style: TextRunStyle = {}): Record<string, unknown> {
  return { type: 'RichTextBlock', inlines: [{ type: 'TextRun', text, ...style }] };
}

/** A fact as a row: its name in an auto-width column, its value in the rest. */
function factRow(name: string, value: string): Record<string, unknown> {
  return {
    type: 'ColumnSet',
    spacing: 'Small',
    columns: [
      { type: 'Column', width: 'auto', items: [literal(name, { weight: 'Bolder' })] },
      { type: 'Column', width: 'stretch', items: [literal(value)] },
    ],
  };
}

/** The Workflows message with one Adaptive Card (schema 1.4, what Teams renders); `links` become its actions. */
export function teamsMessage(notification: Notification, links: readonly CardLink[] = cardLinks(notification, undefined)): Record<string, unknown> {
  // Paragraphs (a stack trace after a sentence) stay apart; a TextRun keeps the line breaks within one.
  const paragraphs = shorten(notification.text, MAX_TEXT)
    .split(/\n{2,}/u)
    .filter((paragraph) => paragraph.trim() !== '');
  const card = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    msteams: { width: 'Full' },
    body: [
      literal(notification.title, { weight: 'Bolder', size: 'Medium', color: colorBySeverity[notification.severity] }),
      ...paragraphs.map((paragraph) => literal(paragraph)),
      ...(notification.facts.length === 0 ? [] : [{ type: 'Container', items: notification.facts.map((fact) => factRow(fact.name, fact.value)) }]),
    ],
    ...(links.length === 0 ? {} : { actions: links.map((link) => ({ type: 'Action.OpenUrl', title: link.title, url: link.url })) }),
  };
  return {
    type: 'message',
    attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card }],
  };
}
