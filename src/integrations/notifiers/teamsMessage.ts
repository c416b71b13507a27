/**
 * Microsoft Teams through a Workflows (Power Automate) "post to a channel when a webhook request is received"
 * trigger: a message whose attachment is an Adaptive Card. The trigger's URL carries its signature, so it comes
 * from Key Vault and is never logged.
 */
import { shorten, type Notification } from './notification.js';

const MAX_TEXT = 2000;
const colorBySeverity = { info: 'Default', warning: 'Warning', error: 'Attention' } as const;

/** The Workflows message with one Adaptive Card (schema 1.4, what Teams renders). */
export function teamsMessage(notification: Notification): Record<string, unknown> {
  const card = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    msteams: { width: 'Full' },
    body: [
      { type: 'TextBlock', text: notification.title, weight: 'Bolder', size: 'Medium', wrap: true, color: colorBySeverity[notification.severity] },
      { type: 'TextBlock', text: shorten(notification.text, MAX_TEXT), wrap: true },
      ...(notification.facts.length === 0
        ? []
        : [{ type: 'FactSet', facts: notification.facts.map((fact) => ({ title: fact.name, value: fact.value })) }]),
    ],
    ...(notification.link === undefined ? {} : { actions: [{ type: 'Action.OpenUrl', title: notification.link.title, url: notification.link.url }] }),
  };
  return {
    type: 'message',
    attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card }],
  };
}
