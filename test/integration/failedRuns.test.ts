import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBurstWindows } from '../../src/app/burstWindow.js';
import { commandJob, fixtureEvent, startEventsTestbed, WORKSPACE_ID, type EventsTestbed } from '../helpers/eventsTestbed.js';

const policy = (): string => `
version: 1
notifications:
  channels:
    teams: { kind: teams, urlSecretName: teams-webhook-url }
    slack: { kind: slack, urlSecretName: slack-webhook-url }
  failedRuns:
    routes:
      - experiments: ['scratch*']
        mute: true
      - experiments: ['nlp-*']
        channel: slack
    defaultChannel: teams
    burstWindow: PT5M
`;

let bed: EventsTestbed;

beforeAll(async () => {
  bed = await startEventsTestbed({ policy, host: true });
});

afterAll(async () => {
  await bed?.close();
});

/** A failed job in ARM, and the RunStatusChanged delivery for it in the docs sample's form. */
async function failedRun(
  id: string,
  job: { readonly name: string; readonly experiment: string; readonly error?: string; readonly tags?: Record<string, string>; readonly status?: string },
): Promise<Record<string, unknown>> {
  await commandJob(await bed.arm(), job.name, job.experiment, {}, { status: job.status ?? 'Failed', errorMessage: job.error ?? 'UserError: train.py exited with code 1', tags: job.tags ?? {} });
  return fixtureEvent('eventgrid-RunStatusChanged.json', {
    id,
    subject: `experiments/00000000-0000-0000-0000-000000000001/runs/${job.name}`,
    data: { experimentId: '00000000-0000-0000-0000-000000000001', experimentName: job.experiment, runId: job.name, runType: null, runTags: {}, runProperties: {}, runStatus: 'failed' },
  });
}

function mentions(deliveryBody: unknown, text: string): boolean {
  return JSON.stringify(deliveryBody).includes(text);
}

describe('RunStatusChanged (failed) → notification through amlEvents', () => {
  it('a failed run produces one Teams message with the error text, the owner and a studio link; its redelivery adds none', async () => {
    const event = await failedRun('run-failed-1', { name: 'train-1', experiment: 'churn-training', error: 'ModuleNotFoundError: No module named sklearn' });
    expect(await bed.deliver([event])).toBe(200);
    expect(await bed.deliver([event])).toBe(200);

    const messages = (await bed.sink('teams')).filter((delivery) => mentions(delivery.body, 'train-1'));
    expect(messages).toHaveLength(1);
    const body = messages[0]?.body as { type: string; attachments: { contentType: string; content: { type: string; actions: { url: string }[] } }[] };
    expect(body.type).toBe('message');
    expect(body.attachments[0]?.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(body.attachments[0]?.content.type).toBe('AdaptiveCard');
    expect(mentions(body, 'ModuleNotFoundError: No module named sklearn')).toBe(true);
    // The workspace's owner tag, since the job has none.
    expect(mentions(body, 'mlops-team@contoso.com')).toBe(true);
    expect(body.attachments[0]?.content.actions[0]?.url).toBe(`https://ml.azure.com/runs/train-1?wsid=${encodeURIComponent(WORKSPACE_ID)}`);
    const sent = bed.telemetryEvents('NotificationSent').filter((item) => item.properties['eventId'] === 'run-failed-1');
    expect(sent).toHaveLength(1);
    expect(sent[0]?.properties).toMatchObject({ channel: 'teams', channelKind: 'teams' });
  });

  it('twenty failures of one experiment within a minute produce one folded message', async () => {
    const events = await Promise.all(Array.from({ length: 20 }, (_, index) => failedRun(`burst-${index}`, { name: `burst-job-${index}`, experiment: 'nightly-scoring' })));
    const statuses = await Promise.all(events.map((event) => bed.deliver([event])));
    expect(statuses.every((status) => status === 200)).toBe(true);

    const messages = (await bed.sink('teams')).filter((delivery) => mentions(delivery.body, 'nightly-scoring'));
    expect(messages).toHaveLength(1);
    expect(mentions(messages[0]?.body, 'Further failures of this experiment within PT5M are folded')).toBe(true);
    const folded = bed.telemetryEvents('NotificationFolded').filter((item) => item.properties['experimentName'] === 'nightly-scoring');
    expect(folded).toHaveLength(19);
  });

  it('the owner tag on the job wins, and an experiment routed to Slack gets Block Kit there and nothing in Teams', async () => {
    const event = await failedRun('run-failed-nlp', { name: 'nlp-train-1', experiment: 'nlp-intent', tags: { owner: 'nlp-team@contoso.com' }, error: 'CUDA out of memory' });
    expect(await bed.deliver([event])).toBe(200);

    const slack = (await bed.sink('slack')).filter((delivery) => mentions(delivery.body, 'nlp-train-1'));
    expect(slack).toHaveLength(1);
    const body = slack[0]?.body as { text: string; blocks: { type: string }[] };
    expect(body.blocks[0]?.type).toBe('header');
    expect(body.blocks.some((block) => block.type === 'actions')).toBe(true);
    expect(mentions(body, 'CUDA out of memory')).toBe(true);
    expect(mentions(body, 'nlp-team@contoso.com')).toBe(true);
    expect((await bed.sink('teams')).filter((delivery) => mentions(delivery.body, 'nlp-train-1'))).toEqual([]);
  });

  it('a muted experiment and a job ARM reports as not failed send nothing', async () => {
    const muted = await failedRun('run-failed-scratch', { name: 'scratch-1', experiment: 'scratch-pad' });
    const notFailed = await failedRun('run-not-failed', { name: 'rerun-1', experiment: 'churn-training', status: 'Running' });
    expect(await bed.deliver([muted])).toBe(200);
    expect(await bed.deliver([notFailed])).toBe(200);
    const all = [...(await bed.sink('teams')), ...(await bed.sink('slack'))];
    expect(all.filter((delivery) => mentions(delivery.body, 'scratch-1') || mentions(delivery.body, 'rerun-1'))).toEqual([]);
  });

  it('the docs sample, whose topic holds placeholders, is acknowledged and sends nothing', async () => {
    const before = (await bed.sink('teams')).length;
    const sample = readFileSync(new URL('../../../shared/fixtures/events/eventgrid-RunStatusChanged.json', import.meta.url), 'utf8');
    expect(await bed.deliver(JSON.parse(sample) as unknown[])).toBe(200);
    expect(await bed.sink('teams')).toHaveLength(before);
  });
});

describe('burst windows in Table Storage', () => {
  it("reports the previous window's folded failures in the first message after it closes", async () => {
    const windows = createBurstWindows(bed.services.state);
    const key = { workspaceId: WORKSPACE_ID, experimentName: 'hourly-eval', channel: 'teams' };
    const start = new Date('2025-05-01T10:00:00Z');
    const minutes = (count: number) => new Date(start.getTime() + count * 60_000);

    expect(await windows.admit(key, 'w-1', start, 300_000)).toMatchObject({ send: true, previousFolded: 0 });
    await windows.markSent(key, 'w-1');
    expect(await windows.admit(key, 'w-2', minutes(1), 300_000)).toMatchObject({ send: false, count: 2 });
    expect(await windows.admit(key, 'w-3', minutes(2), 300_000)).toMatchObject({ send: false, count: 3 });
    // A redelivery of the sent leader is not sent again.
    expect(await windows.admit(key, 'w-1', minutes(3), 300_000)).toMatchObject({ send: false });
    expect(await windows.admit(key, 'w-4', minutes(6), 300_000)).toMatchObject({ send: true, previousFolded: 2, previousWindowStart: start.toISOString() });
  });

  it('a leader whose message was never sent is sent again on redelivery', async () => {
    const windows = createBurstWindows(bed.services.state);
    const key = { workspaceId: WORKSPACE_ID, experimentName: 'flaky-sink', channel: 'teams' };
    const now = new Date('2025-05-01T12:00:00Z');
    expect(await windows.admit(key, 'lead', now, 300_000)).toMatchObject({ send: true });
    expect(await windows.admit(key, 'lead', new Date(now.getTime() + 10_000), 300_000)).toMatchObject({ send: true });
  });
});
