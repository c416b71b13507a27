import { describe, expect, it } from 'vitest';
import { genericWebhookBody } from '../../../src/integrations/notifiers/genericWebhookBody.js';
import { joinSentences, type Notification } from '../../../src/integrations/notifiers/notification.js';
import { slackMessage } from '../../../src/integrations/notifiers/slackMessage.js';
import { teamsMessage } from '../../../src/integrations/notifiers/teamsMessage.js';

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

describe('Teams Workflows message', () => {
  it('is a message with one Adaptive Card holding the title, text, facts and a link action', () => {
    const message = teamsMessage(notification);
    expect(message).toMatchObject({ type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null }] });
    const card = (message['attachments'] as { content: Record<string, unknown> }[])[0]?.content;
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
    expect(card?.['body']).toEqual([
      expect.objectContaining({ type: 'TextBlock', text: 'Run failed: churn / train-1', weight: 'Bolder', color: 'Attention' }),
      expect.objectContaining({ type: 'TextBlock', text: 'Error: x < y & z > w', wrap: true }),
      { type: 'FactSet', facts: [{ title: 'Workspace', value: 'mlw-demo' }, { title: 'Owner', value: 'mlops-team@contoso.com' }] },
    ]);
    expect(card?.['actions']).toEqual([{ type: 'Action.OpenUrl', title: 'Open in Azure ML studio', url: 'https://ml.azure.com/runs/train-1' }]);
  });

  it('has no actions without a link and shortens very long text', () => {
    const card = (teamsMessage({ ...notification, link: undefined, text: 'e'.repeat(5000) })['attachments'] as { content: Record<string, unknown> }[])[0]?.content;
    expect(card).not.toHaveProperty('actions');
    const text = (card?.['body'] as { text: string }[])[1]?.text ?? '';
    expect(text.length).toBe(2000);
    expect(text.endsWith('…')).toBe(true);
  });
});

describe('Slack Block Kit message', () => {
  it('has a header, the escaped text, the facts as fields, a button, and a plain-text fallback', () => {
    const message = slackMessage(notification);
    expect(message['text']).toBe('Run failed: churn / train-1. Error: x &lt; y &amp; z &gt; w.');
    expect(message['blocks']).toEqual([
      { type: 'header', text: { type: 'plain_text', text: 'Run failed: churn / train-1', emoji: true } },
      { type: 'section', text: { type: 'mrkdwn', text: ':x: Error: x &lt; y &amp; z &gt; w' } },
      { type: 'section', fields: [{ type: 'mrkdwn', text: '*Workspace*\nmlw-demo' }, { type: 'mrkdwn', text: '*Owner*\nmlops-team@contoso.com' }] },
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
