import { describe, expect, it } from 'vitest';
import { genericWebhookBody } from '../../../src/adapters/notifiers/genericWebhookBody.js';
import type { Notification } from '../../../src/notifications/ports.js';
import { joinSentences } from '../../../src/shared/text.js';
import { slackMessage } from '../../../src/adapters/notifiers/slackMessage.js';
import { teamsMessage } from '../../../src/adapters/notifiers/teamsMessage.js';

const notification: Notification = {
  title: 'Run failed: churn / train-1',
  text: 'Error: x < y & z > w',
  severity: 'error',
  facts: [
    { name: 'Workspace', value: 'mlw-demo' },
    { name: 'Owner', value: 'mlops-team@contoso.com' },
  ],
  link: { title: 'Open in Azure ML studio', url: 'https://ml.azure.com/runs/train-1' },
  eventId: 'evt-9',
};

type Card = { body: Record<string, unknown>[]; actions?: Record<string, unknown>[] };
const cardOf = (message: Record<string, unknown>): Card => (message['attachments'] as { content: Card }[])[0]?.content ?? { body: [] };
const literal = (text: string, style: Record<string, unknown> = {}) => ({ type: 'RichTextBlock', inlines: [{ type: 'TextRun', text, ...style }] });

describe('Teams Workflows message', () => {
  it('is a message with one Adaptive Card holding the title, text, facts and a link action', () => {
    const message = teamsMessage(notification);
    expect(message).toMatchObject({ type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null }] });
    const card = cardOf(message);
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
    expect(card.body).toEqual([
      literal('Run failed: churn / train-1', { weight: 'Bolder', size: 'Medium', color: 'Attention' }),
      literal('Error: x < y & z > w'),
      {
        type: 'Container',
        items: [
          { type: 'ColumnSet', spacing: 'Small', columns: [{ type: 'Column', width: 'auto', items: [literal('Workspace', { weight: 'Bolder' })] }, { type: 'Column', width: 'stretch', items: [literal('mlw-demo')] }] },
          { type: 'ColumnSet', spacing: 'Small', columns: [{ type: 'Column', width: 'auto', items: [literal('Owner', { weight: 'Bolder' })] }, { type: 'Column', width: 'stretch', items: [literal('mlops-team@contoso.com')] }] },
        ],
      },
    ]);
    expect(card.actions).toEqual([{ type: 'Action.OpenUrl', title: 'Open in Azure ML studio', url: 'https://ml.azure.com/runs/train-1' }]);
  });

  it('has no actions without a link and shortens very long text', () => {
    const card = cardOf(teamsMessage({ ...notification, link: undefined, text: 'e'.repeat(5000) }));
    expect(card).not.toHaveProperty('actions');
    expect(card.body[1]).toEqual(literal(`${'e'.repeat(1999)}…`));
  });

  it('keeps paragraphs (a stack trace after a sentence) as separate blocks', () => {
    const card = cardOf(teamsMessage({ ...notification, facts: [], text: 'Run failed.\n\nTraceback:\n  line 1' }));
    expect(card.body.slice(1)).toEqual([literal('Run failed.'), literal('Traceback:\n  line 1')]);
  });

  it('offers no button for a link that is not https, except plain http to this machine', () => {
    for (const url of ['javascript:alert(1)', 'data:text/html,x', 'http://ml.azure.com/runs/1', 'not a url']) {
      expect(cardOf(teamsMessage({ ...notification, link: { title: 'Open', url } }))).not.toHaveProperty('actions');
    }
    expect(cardOf(teamsMessage({ ...notification, link: { title: 'Open', url: 'http://127.0.0.1:7071/api/compute-requests/1' } })).actions).toHaveLength(1);
  });
});

describe('Slack Block Kit message', () => {
  it('has a header, the escaped text, the facts as fields, a button, and a plain-text fallback', () => {
    const message = slackMessage(notification);
    expect(message['text']).toBe('Run failed: churn / train-1. Error: x &lt; y &amp; z &gt; w.');
    expect(message['blocks']).toEqual([
      { type: 'header', text: { type: 'plain_text', text: 'Run failed: churn / train-1', emoji: true } },
      { type: 'section', text: { type: 'mrkdwn', text: ':x: Error: x &lt; y &amp; z &gt; w', verbatim: true } },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: '*Workspace*\nmlw-demo', verbatim: true },
          { type: 'mrkdwn', text: '*Owner*\nmlops-team@contoso.com', verbatim: true },
        ],
      },
      { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open in Azure ML studio' }, url: 'https://ml.azure.com/runs/train-1' }] },
    ]);
  });

  it('keeps the header within 150 characters', () => {
    const header = (slackMessage({ ...notification, title: 't'.repeat(400) })['blocks'] as { text: { text: string } }[])[0]?.text.text ?? '';
    expect(header.length).toBe(150);
  });
});

describe('generic webhook body', () => {
  it('is the notification as JSON with a schema name, facts as an object and the event id', () => {
    expect(genericWebhookBody(notification)).toEqual({
      schema: 'aml-warden.notification.v1',
      eventId: 'evt-9',
      severity: 'error',
      title: 'Run failed: churn / train-1',
      text: 'Error: x < y & z > w',
      facts: { Workspace: 'mlw-demo', Owner: 'mlops-team@contoso.com' },
      link: 'https://ml.azure.com/runs/train-1',
    });
  });
});

describe('text composed of sentences', () => {
  it('ends each part as a sentence, so an error without a full stop does not run into the next one', () => {
    expect(joinSentences(['Error: CUDA out of memory on node 0', 'Further failures are folded.'])).toBe('Error: CUDA out of memory on node 0. Further failures are folded.');
  });

  it('keeps existing terminal punctuation and drops empty parts', () => {
    expect(joinSentences(['Is it done?', undefined, '  ', 'Yes!', 'It is…'])).toBe('Is it done? Yes! It is…');
  });

  it('separates a multi-line part by a blank line', () => {
    expect(joinSentences(['Traceback:\n  line 1', 'Next'])).toBe('Traceback:\n  line 1.\n\nNext.');
  });

  it("gives Slack's fallback text the title as its own sentence", () => {
    const message = slackMessage({ ...notification, title: 'Run failed: churn / train-1', text: 'Error: CUDA out of memory on node 0' });
    expect(message['text']).toBe('Run failed: churn / train-1. Error: CUDA out of memory on node 0.');
  });
});
