import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teamsCardView } from '../../dev/emulator/teamsCard.js';
import { createBurstWindows } from '../../src/adapters/tables/burstWindows.js';
import type { BurstFailure } from '../../src/runNotifications/ports.js';
import { flushBurstWindows } from '../../src/runNotifications/flushBurstWindows.js';
import { commandJob, fixtureEvent, startEventsTestbed, WORKSPACE_ID, type EventsTestbed } from '../helpers/eventsTestbed.js';
import { readPublishedFixture } from '../helpers/publishedFixtures.js';

const policy = (): string => `
version: 1
scope:
  subscriptions: [11111111-1111-1111-1111-111111111111]
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

const quietLog = { info: () => {}, warn: () => {}, error: () => {} };

/** A failure counted straight into a burst window (the table tests do not go through ARM). */
const failure = (jobName: string, errorText?: string): BurstFailure => ({
  workspaceName: 'mlw-demo',
  jobName,
  errorText,
  studioLink: `https://ml.azure.com/runs/${jobName}`,
});

/** A Teams message as Teams shows it: the title, the first paragraph and the one link. */
function cardOf(body: unknown): { title: string; text: string; link: string | undefined } {
  const shown = teamsCardView(body);
  return { title: shown.texts[0] ?? '', text: shown.texts[1] ?? '', link: shown.links[0]?.url };
}

describe('RunStatusChanged (failed) → notification through amlEvents', () => {
  it('a failed run produces one Teams message with the error text, the owner and a studio link; its redelivery adds none', async () => {
    const event = await failedRun('run-failed-1', { name: 'train-1', experiment: 'churn-training', error: 'ModuleNotFoundError: No module named sklearn' });
    expect(await bed.deliver([event])).toBe(200);
    expect(await bed.deliver([event])).toBe(200);

    const messages = (await bed.sink('teams')).filter((delivery) => mentions(delivery.body, 'train-1'));
    expect(messages).toHaveLength(1);
    // A card Teams renders, whose one live link is the run in the studio.
    expect(messages[0]?.teams?.problems).toEqual([]);
    expect(messages[0]?.teams?.links).toEqual([{ text: 'Open in Azure ML studio', url: `https://ml.azure.com/runs/train-1?wsid=${encodeURIComponent(WORKSPACE_ID)}` }]);
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
    expect(cardOf(messages[0]?.body).text).toContain('Further failures of this experiment in the next 5 minutes are counted and sent as one summary when that window closes.');
    const folded = bed.telemetryEvents('NotificationFolded').filter((item) => item.properties['experimentName'] === 'nightly-scoring');
    expect(folded).toHaveLength(19);
  });

  it('the failures folded into a burst are summarised once its window closes: one message at once, one summary with the count, nothing more', async () => {
    const error = 'OOMKilled: the container exceeded its memory limit';
    const events = await Promise.all(
      Array.from({ length: 20 }, (_, index) => failedRun(`backfill-${index}`, { name: `backfill-job-${index}`, experiment: 'weekly-backfill', error })),
    );
    const statuses = await Promise.all(events.map((event) => bed.deliver([event])));
    expect(statuses.every((status) => status === 200)).toBe(true);
    const messagesAbout = async (): Promise<unknown[]> =>
      (await bed.sink('teams')).filter((delivery) => mentions(delivery.body, 'weekly-backfill')).map((delivery) => delivery.body);
    expect(await messagesAbout()).toHaveLength(1);

    // While the window is open there is nothing to summarise.
    await flushBurstWindows(bed.app.runNotifications, quietLog, { now: new Date() });
    expect(await messagesAbout()).toHaveLength(1);

    // Two instances flush at once after the window (PT5M) closed: one summary.
    const afterWindow = new Date(Date.now() + 6 * 60_000);
    await Promise.all([flushBurstWindows(bed.app.runNotifications, quietLog, { now: afterWindow }), flushBurstWindows(bed.app.runNotifications, quietLog, { now: afterWindow })]);
    const summaries = (await messagesAbout()).map(cardOf).filter((card) => card.title.includes('more failures'));
    expect(summaries).toHaveLength(1);
    const summary = summaries[0];
    expect(summary?.title).toBe('19 more failures of experiment weekly-backfill in the last 5 minutes');
    expect(summary?.text).toMatch(/^They followed the failure reported at \S+\. Last error \(job backfill-job-\d+\): OOMKilled: the container exceeded its memory limit\.$/);
    expect(summary?.link).toMatch(new RegExp(`^https://ml\\.azure\\.com/runs/backfill-job-\\d+\\?wsid=${encodeURIComponent(WORKSPACE_ID).replace(/[.%]/g, '\\$&')}$`));
    const sent = bed.telemetryEvents('NotificationSent').filter((item) => item.properties['title'] === summary?.title);
    expect(sent).toHaveLength(1);

    expect(await flushBurstWindows(bed.app.runNotifications, quietLog, { now: afterWindow })).toEqual({ sent: 0, failed: 0 });
    expect(await messagesAbout()).toHaveLength(2);
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

  it('a failed run whose event names no experiment (the SDK types make both fields optional) is still notified, from ARM', async () => {
    await failedRun('unused', { name: 'no-experiment-1', experiment: 'churn-nightly' });
    const event = fixtureEvent('eventgrid-RunStatusChanged.json', {
      id: 'run-failed-no-experiment',
      subject: 'experiments/00000000-0000-0000-0000-000000000001/runs/no-experiment-1',
      data: { runId: 'no-experiment-1', runType: null, runTags: {}, runProperties: {}, runStatus: 'Failed' },
    });
    expect(await bed.deliver([event])).toBe(200);
    const mine = (await bed.sink('teams')).filter((delivery) => mentions(delivery.body, 'no-experiment-1'));
    expect(mine).toHaveLength(1);
    expect(cardOf(mine[0]?.body).title).toContain('churn-nightly');
  });

  it('RunStatusChanged for any other status (Azure raises it on every change) costs no ARM read and sends nothing', async () => {
    const before = (await bed.sink('teams')).length;
    bed.emulator.resetCalls();
    for (const runStatus of ['Queued', 'Running', 'Finalizing', 'Completed', 'canceled']) {
      const event = fixtureEvent('eventgrid-RunStatusChanged.json', {
        id: `run-status-${runStatus}`,
        subject: 'experiments/00000000-0000-0000-0000-000000000001/runs/steady-1',
        data: { experimentId: '00000000-0000-0000-0000-000000000001', experimentName: 'churn-training', runId: 'steady-1', runType: null, runTags: {}, runProperties: {}, runStatus },
      });
      expect(await bed.deliver([event])).toBe(200);
    }
    expect(bed.emulator.calls().filter((call) => call.path.startsWith('/subscriptions/'))).toEqual([]);
    expect(await bed.sink('teams')).toHaveLength(before);
  });

  it('the docs sample, whose topic holds placeholders, is acknowledged and sends nothing', async () => {
    const before = (await bed.sink('teams')).length;
    const sample = readPublishedFixture('events/eventgrid-RunStatusChanged.json');
    expect(await bed.deliver(JSON.parse(sample) as unknown[])).toBe(200);
    expect(await bed.sink('teams')).toHaveLength(before);
  });
});

describe('burst windows in Table Storage', () => {
  it("reports the previous window's folded failures in the first message after it closes", async () => {
    const windows = createBurstWindows(bed.app.adapters.state);
    const key = { workspaceId: WORKSPACE_ID, experimentName: 'hourly-eval', channel: 'teams' };
    const start = new Date('2025-05-01T10:00:00Z');
    const minutes = (count: number) => new Date(start.getTime() + count * 60_000);

    expect(await windows.admit(key, 'w-1', start, 300_000, failure('w-1-job'))).toMatchObject({ send: true, previousFolded: 0 });
    await windows.markSent(key, 'w-1');
    expect(await windows.admit(key, 'w-2', minutes(1), 300_000, failure('w-2-job'))).toMatchObject({ send: false, count: 2 });
    expect(await windows.admit(key, 'w-3', minutes(2), 300_000, failure('w-3-job'))).toMatchObject({ send: false, count: 3 });
    // A redelivery of the sent leader is not sent again.
    expect(await windows.admit(key, 'w-1', minutes(3), 300_000, failure('w-1-job'))).toMatchObject({ send: false });
    expect(await windows.admit(key, 'w-4', minutes(6), 300_000, failure('w-4-job'))).toMatchObject({ send: true, previousFolded: 2, previousWindowStart: start.toISOString() });
  });

  it('a leader whose message was never sent is sent again on redelivery', async () => {
    const windows = createBurstWindows(bed.app.adapters.state);
    const key = { workspaceId: WORKSPACE_ID, experimentName: 'flaky-sink', channel: 'teams' };
    const now = new Date('2025-05-01T12:00:00Z');
    expect(await windows.admit(key, 'lead', now, 300_000, failure('lead-job'))).toMatchObject({ send: true });
    expect(await windows.admit(key, 'lead', new Date(now.getTime() + 10_000), 300_000, failure('lead-job'))).toMatchObject({ send: true });
  });

  it("a failure that opens the next window first reports the previous window's count, and the flush then sends nothing for it", async () => {
    const windows = createBurstWindows(bed.app.adapters.state);
    const key = { workspaceId: WORKSPACE_ID, experimentName: 'daily-etl', channel: 'teams' };
    const start = new Date('2025-06-01T08:00:00Z');
    const minutes = (count: number) => new Date(start.getTime() + count * 60_000);
    await windows.admit(key, 'etl-1', start, 300_000, failure('etl-1-job'));
    await windows.markSent(key, 'etl-1');
    await windows.admit(key, 'etl-2', minutes(1), 300_000, failure('etl-2-job'));
    await windows.admit(key, 'etl-3', minutes(2), 300_000, failure('etl-3-job'));
    expect(await windows.admit(key, 'etl-4', minutes(6), 300_000, failure('etl-4-job'))).toMatchObject({ send: true, previousFolded: 2 });

    await flushBurstWindows(bed.app.runNotifications, quietLog, { now: minutes(30) });
    expect((await bed.sink('teams')).filter((delivery) => mentions(delivery.body, 'daily-etl'))).toEqual([]);
  });

  it("a flushed window's count is not reported again by the next failure's message", async () => {
    const windows = createBurstWindows(bed.app.adapters.state);
    const key = { workspaceId: WORKSPACE_ID, experimentName: 'daily-report', channel: 'teams' };
    const start = new Date('2025-06-02T08:00:00Z');
    const minutes = (count: number) => new Date(start.getTime() + count * 60_000);
    await windows.admit(key, 'report-1', start, 300_000, failure('report-1-job'));
    await windows.markSent(key, 'report-1');
    await windows.admit(key, 'report-2', minutes(1), 300_000, failure('report-2-job', 'KeyError: customer_id'));
    await windows.admit(key, 'report-3', minutes(2), 300_000, failure('report-3-job'));

    await flushBurstWindows(bed.app.runNotifications, quietLog, { now: minutes(6) });
    const summaries = (await bed.sink('teams')).filter((delivery) => mentions(delivery.body, 'daily-report')).map((delivery) => cardOf(delivery.body));
    expect(summaries).toHaveLength(1);
    expect(summaries[0]?.title).toBe('2 more failures of experiment daily-report in the last 5 minutes');
    // The last failure recorded no error: the summary does not borrow an earlier one's.
    expect(summaries[0]?.text).toContain('Azure ML recorded no error message for the last one.');
    expect(summaries[0]?.link).toBe('https://ml.azure.com/runs/report-3-job');

    expect(await windows.admit(key, 'report-4', minutes(7), 300_000, failure('report-4-job'))).toMatchObject({ send: true, previousFolded: 0 });
  });

  it("a window whose flusher died is flushed by a later flush once the claim lapses, not while it is live", async () => {
    const windows = createBurstWindows(bed.app.adapters.state);
    const key = { workspaceId: WORKSPACE_ID, experimentName: 'lapsed-claim', channel: 'teams' };
    const start = new Date('2024-03-01T08:00:00Z');
    await windows.admit(key, 'lapse-1', start, 300_000, failure('lapse-1-job'));
    await windows.admit(key, 'lapse-2', new Date(start.getTime() + 60_000), 300_000, failure('lapse-2-job'));
    // A flusher claims the window and dies before sending.
    const claimedAt = new Date(start.getTime() + 10 * 60_000);
    const claimed: string[] = [];
    for await (const claim of windows.claimClosed(claimedAt, 120_000)) claimed.push(claim.experimentName);
    expect(claimed).toEqual(['lapsed-claim']);

    expect(await flushBurstWindows(bed.app.runNotifications, quietLog, { now: new Date(claimedAt.getTime() + 60_000) })).toEqual({ sent: 0, failed: 0 });
    expect(await flushBurstWindows(bed.app.runNotifications, quietLog, { now: new Date(claimedAt.getTime() + 180_000) })).toEqual({ sent: 1, failed: 0 });
    const summaries = (await bed.sink('teams')).filter((delivery) => mentions(delivery.body, 'lapsed-claim'));
    expect(summaries.map((delivery) => cardOf(delivery.body).title)).toEqual(['1 more failure of experiment lapsed-claim in the last 5 minutes']);
  });

  it('the notificationFlush function sends the summary of a closed window', async () => {
    const windows = createBurstWindows(bed.app.adapters.state);
    const key = { workspaceId: WORKSPACE_ID, experimentName: 'timer-flushed', channel: 'slack' };
    const start = new Date('2025-07-01T08:00:00Z');
    for (const [index, offset] of [0, 1, 2].entries()) {
      await windows.admit(key, `timer-${index}`, new Date(start.getTime() + offset * 60_000), 300_000, failure(`timer-${index}-job`, 'ValueError: bad input'));
    }
    await bed.host?.invoke('notificationFlush');
    const messages = (await bed.sink('slack')).filter((delivery) => mentions(delivery.body, 'timer-flushed'));
    expect(messages).toHaveLength(1);
    const body = messages[0]?.body as { text: string };
    expect(body.text).toContain('2 more failures of experiment timer-flushed in the last 5 minutes.');
    expect(body.text).toContain('Last error (job timer-2-job): ValueError: bad input.');
  });
});
