/**
 * Strings a caller or an event can choose (a justification, an error text, a run name, an event subject) end up
 * in Teams cards, Slack messages and log lines. None of them may become a link, a mention, markup or a forged line.
 */
import { describe, expect, it } from 'vitest';
import { teamsCardView } from '../../../dev/emulator/teamsCard.js';
import { forLog, plainLog } from '../../../src/shared/log.js';
import type { Notification } from '../../../src/notifications/ports.js';
import { slackMessage } from '../../../src/adapters/notifiers/slackMessage.js';
import { teamsMessage } from '../../../src/adapters/notifiers/teamsMessage.js';

const hostile = [
  '[Approve here](https://evil.example)',
  '[Approve here]( https://evil.example "Approve" )',
  '<https://evil.example|Approve here>',
  '<!channel> <!here> <@U024BE7LH> <#C024BE7LR>',
  '<script>alert(1)</script><a href="https://evil.example">Approve</a>',
  '**Approved** by _security_ ~not~ `rm -rf`',
  'line one\nFAKE level=error Compute request approved',
  'carriage\r\nreturn \u0000 nul \u001b[31m red \u0007 bell',
  'invoice\u202egpj.exe \u2066isolate\u2069 zero\u200bwidth \u2028separator',
  '&lt;already escaped&gt; &amp; ampersand',
] as const;

const studioLink = { title: 'Open in Azure ML studio', url: 'https://ml.azure.com/runs/train-1' };

function notificationCarrying(text: string): Notification {
  return {
    title: `Compute request from ${text}`,
    text: `Justification: ${text}`,
    severity: 'warning',
    facts: [
      { name: text, value: text },
      { name: 'Workspace', value: 'mlw-demo' },
    ],
    link: studioLink,
    eventId: 'evt-hostile',
  };
}

describe('hostile strings in a Teams card', () => {
  it.each(hostile)('%j shows as the text it is, and the only link is the studio button', (text) => {
    const view = teamsCardView(teamsMessage(notificationCarrying(text)));
    expect(view.problems).toEqual([]);
    expect(view.links).toEqual([{ text: studioLink.title, url: studioLink.url }]);
    expect(view.texts).toContain(`Justification: ${text}`);
    expect(view.texts).toContain(text);
  });

  it('the view itself sees a Markdown link where Teams renders Markdown, so the check above can fail', () => {
    const card = { type: 'AdaptiveCard', version: '1.4', body: [{ type: 'TextBlock', text: hostile[0] }, { type: 'FactSet', facts: [{ title: 'Why', value: hostile[0] }] }] };
    expect(teamsCardView(card).links).toEqual([
      { text: 'Approve here', url: 'https://evil.example' },
      { text: 'Approve here', url: 'https://evil.example' },
    ]);
  });
});

const ENTITY = /&(?:amp|lt|gt);/gu;
const unescapeSlack = (text: string) => text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');

/** Every mrkdwn text object of a Block Kit message, and the top-level fallback text. */
function slackTexts(message: Record<string, unknown>): { text: string; verbatim?: boolean }[] {
  const found: { text: string; verbatim?: boolean }[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (typeof node === 'object' && node !== null) {
      const record = node as Record<string, unknown>;
      if (record['type'] === 'mrkdwn' && typeof record['text'] === 'string') found.push({ text: record['text'], verbatim: record['verbatim'] === true });
      Object.values(record).forEach(visit);
    }
  };
  visit(message['blocks']);
  return found;
}

describe('hostile strings in a Slack message', () => {
  it.each(hostile)('%j cannot open a link, mention or channel reference', (text) => {
    const message = slackMessage(notificationCarrying(text));
    const mrkdwn = slackTexts(message);
    expect(mrkdwn.length).toBeGreaterThan(0);
    for (const object of [...mrkdwn, { text: String(message['text']), verbatim: true }]) {
      // Slack's control sequences (<url|text>, <!channel>, <@user>) all start with '<': none survives escaping.
      expect(object.text.replace(ENTITY, '')).not.toMatch(/[<>]/u);
      expect(object.verbatim).toBe(true);
    }
    expect(mrkdwn.map((object) => unescapeSlack(object.text)).join('\n')).toContain(`Justification: ${text}`);
  });
});

describe('hostile strings in log lines', () => {
  const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200b-\u200f\ufeff]/u;

  it.each(hostile)('%j stays on one line with no control or direction characters', (text) => {
    const lines: unknown[][] = [];
    const log = plainLog({ info: (...args) => lines.push(args), warn: (...args) => lines.push(args), error: (...args) => lines.push(args) });
    log.warn(`Dropped event ${text}: ${text}`, { eventId: text });
    const [line, properties] = lines[0] ?? [];
    expect(typeof line).toBe('string');
    expect(String(line)).not.toMatch(UNSAFE);
    expect(forLog(text)).not.toMatch(UNSAFE);
    // Structured properties are fields, not lines: passed on as they are.
    expect(properties).toEqual({ eventId: text });
  });

  it('shows what was escaped, so the line still tells what arrived', () => {
    expect(forLog('a\nb\u202ec')).toBe('a\\u000ab\\u202ec');
  });
});
