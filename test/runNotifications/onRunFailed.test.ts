/** `onRunFailed` and `flushBurstWindows` on in-memory ports: the owning team hears of a failed run once, with its error and a link, and a storm folds. */
import { describe, expect, it } from 'vitest';
import { flushBurstWindows, flushDueWindows } from '../../src/runNotifications/flushBurstWindows.js';
import { onRunFailed } from '../../src/runNotifications/onRunFailed.js';
import { appErrorOf } from '../helpers/appErrors.js';
import { inMemoryWorld, type InMemoryWorld } from '../inMemory/inMemoryWorld.js';
import { runStatusChanged, workspaceRef, workspaceResource } from '../inMemory/sampleEvents.js';

const live = (world: InMemoryWorld) => ({ log: world.log, dryRun: false });

function worldWithFailedJobs(...names: string[]): InMemoryWorld {
  const world = inMemoryWorld();
  world.azureMl.addWorkspace(workspaceResource());
  for (const name of names) {
    world.azureMl.addJob(workspaceRef, { name, status: 'Failed', experimentName: 'train-churn', errorText: `UserError: ${name} ran out of memory`, tags: { owner: 'dana@contoso.com' } });
  }
  return world;
}

describe('onRunFailed', () => {
  it('tells the channel once, with the error, the owner and a studio link; a redelivery sends nothing more', async () => {
    const world = worldWithFailedJobs('job-1');
    const outcome = await onRunFailed(world.runNotifications, runStatusChanged('event-1', 'job-1'), live(world));
    const again = await onRunFailed(world.runNotifications, runStatusChanged('event-1', 'job-1'), live(world));

    expect(outcome).toEqual({ handled: true, reason: "notified channel 'teams'" });
    expect(again.handled).toBe(false);
    const [message, ...more] = world.notifiers.to('teams');
    expect(more).toEqual([]);
    expect(message?.title).toBe('Run failed: train-churn / job-1');
    expect(message?.text).toContain('UserError: job-1 ran out of memory');
    expect(message?.facts).toContainEqual({ name: 'Owner', value: 'dana@contoso.com' });
    expect(message?.link?.url).toBe(`https://ml.azure.com/runs/job-1?wsid=${encodeURIComponent(workspaceRef.id)}`);
  });

  it('a status change that is not a failure costs no read and sends nothing', async () => {
    const world = worldWithFailedJobs('job-1');
    for (const status of ['Running', 'Finalizing', 'Completed']) {
      expect((await onRunFailed(world.runNotifications, runStatusChanged(`event-${status}`, 'job-1', { status }), live(world))).handled).toBe(false);
    }
    expect(world.azureMl.reads).toEqual([]);
    expect(world.notifiers.sent).toEqual([]);
  });

  it('an event that says Failed for a job Azure ML records as running sends nothing', async () => {
    const world = inMemoryWorld();
    world.azureMl.addJob(workspaceRef, { name: 'job-1', status: 'Running', experimentName: 'train-churn' });
    const outcome = await onRunFailed(world.runNotifications, runStatusChanged('event-1', 'job-1'), live(world));
    expect(outcome).toEqual({ handled: false, reason: "job 'job-1' is Running in the workspace, not Failed" });
    expect(world.notifiers.sent).toEqual([]);
  });

  it('a channel briefly unavailable fails the delivery and keeps nothing: the redelivery sends the message once', async () => {
    const world = worldWithFailedJobs('job-1');
    world.notifiers.failChannel('teams', 'transient');
    expect((await appErrorOf(onRunFailed(world.runNotifications, runStatusChanged('event-1', 'job-1'), live(world)))).transient).toBe(true);
    world.notifiers.failChannel('teams', undefined);
    expect((await onRunFailed(world.runNotifications, runStatusChanged('event-1', 'job-1'), live(world))).handled).toBe(true);
    expect(world.notifiers.to('teams')).toHaveLength(1);
  });

  it('a storm of failures in one experiment is one message, and the folded ones are summed up once when the window closes', async () => {
    const world = worldWithFailedJobs('job-1', 'job-2', 'job-3', 'job-4');
    for (const [index, job] of ['job-1', 'job-2', 'job-3', 'job-4'].entries()) {
      world.clock.advance(10_000);
      await onRunFailed(world.runNotifications, runStatusChanged(`event-${index}`, job), live(world));
    }
    expect(world.notifiers.to('teams')).toHaveLength(1);
    // Each folded failure says how many the window holds so far, the first one included.
    expect(world.events('NotificationFolded').map((event) => event.count)).toEqual(['2', '3', '4']);

    // Nothing to flush while the window (PT5M in the playground policy) is open.
    expect(await flushBurstWindows(world.runNotifications, world.log)).toEqual({ sent: 0, failed: 0 });
    world.clock.advance(5 * 60_000);
    expect(await flushBurstWindows(world.runNotifications, world.log)).toEqual({ sent: 1, failed: 0 });
    expect(await flushBurstWindows(world.runNotifications, world.log)).toEqual({ sent: 0, failed: 0 });

    const summary = world.notifiers.to('teams')[1];
    expect(summary?.facts).toContainEqual({ name: 'Failures folded', value: '3' });
    expect(summary?.text).toContain('Last error (job job-4): UserError: job-4 ran out of memory');
  });

  it('a window asks for its flush when it opens, and a flush that comes early asks again instead of ending', async () => {
    const world = worldWithFailedJobs('job-1', 'job-2');
    await onRunFailed(world.runNotifications, runStatusChanged('event-1', 'job-1'), live(world));
    const windowEnd = new Date(world.clock.now().getTime() + 5 * 60_000);
    expect(world.queues.flushRequests).toEqual([windowEnd]);
    await onRunFailed(world.runNotifications, runStatusChanged('event-2', 'job-2'), live(world));
    // Folded failures ask for nothing more: the window's one flush covers them.
    expect(world.queues.flushRequests).toHaveLength(1);

    expect(await flushDueWindows(world.runNotifications, world.log, windowEnd)).toEqual({ sent: 0, failed: 0, early: true });
    expect(world.queues.flushRequests).toEqual([windowEnd, windowEnd]);
    world.clock.advance(5 * 60_000 + 1_000);
    expect(await flushDueWindows(world.runNotifications, world.log, windowEnd)).toEqual({ sent: 1, failed: 0, early: false });
  });

  it('a summary the channel cannot take now is retried by a flush a minute later', async () => {
    const world = worldWithFailedJobs('job-1', 'job-2');
    await onRunFailed(world.runNotifications, runStatusChanged('event-1', 'job-1'), live(world));
    await onRunFailed(world.runNotifications, runStatusChanged('event-2', 'job-2'), live(world));
    world.clock.advance(5 * 60_000 + 1_000);
    world.notifiers.failChannel('teams', 'transient');
    expect(await flushBurstWindows(world.runNotifications, world.log)).toEqual({ sent: 0, failed: 1 });
    expect(world.queues.flushRequests.at(-1)).toEqual(new Date(world.clock.now().getTime() + 60_000));
    world.notifiers.failChannel('teams', undefined);
    world.clock.advance(60_000);
    expect(await flushBurstWindows(world.runNotifications, world.log)).toEqual({ sent: 1, failed: 0 });
  });
});
