/**
 * A sweep run's bookkeeping across messages, with the slices run in this process (`sweepDriver`) against the
 * emulator and Azurite: one close and one summary however the last slices finish, duplicates and leftovers
 * doing nothing, and the planner neither doubling a running sweep nor leaving a stalled one behind.
 */
import { InvocationContext } from '@azure/functions';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { seedBulk } from '../../dev/emulator/seed.js';
import { sweepSlicePoisonHandler } from '../../src/functions/sweepSlicePoison.js';
import { sweepSliceHandler } from '../../src/functions/sweepSlice.js';
import type { SweepDeps } from '../../src/sweep/deps.js';
import { planSweep, STALL_MS } from '../../src/sweep/planSweep.js';
import type { SweepSliceMessage } from '../../src/sweep/ports.js';
import { settlePoisonedSlice, sweepSlice } from '../../src/sweep/sweepSlice.js';
import { SUB, quietLog, startGovernanceKit, type GovernanceKit } from '../helpers/governanceKit.js';
import { sweepInThisProcess } from '../helpers/sweepDriver.js';

let kit: GovernanceKit;

beforeAll(async () => {
  kit = await startGovernanceKit();
});

afterAll(async () => {
  await kit?.close();
});

beforeEach(() => {
  kit.emulator.reset();
});

/** The playground policy in audit mode, scoped to `subscriptions`. */
const auditing = (subscriptions: readonly string[]) => (policy: string) =>
  policy.replace('mode: enforce', 'mode: audit').replace(`subscriptions: [${SUB}]`, `subscriptions: [${subscriptions.join(', ')}]`);

function capturing(deps: SweepDeps): { deps: SweepDeps; sent: SweepSliceMessage[] } {
  const sent: SweepSliceMessage[] = [];
  return {
    sent,
    deps: {
      ...deps,
      slices: {
        send: async (message) => {
          sent.push(message);
        },
      },
    },
  };
}

describe('a sweep run across messages', () => {
  it('two subscriptions whose last slices finish together close the run once: one report, one summary, one completion event', async () => {
    const seeded = seedBulk(kit.emulator.state, { workspaces: 4, computesPerWorkspace: 1, subscriptions: 2 }, new Date());
    const app = kit.app(auditing(seeded.subscriptions));

    const driven = await sweepInThisProcess(app.sweep, quietLog);

    expect(driven.messages.map((message) => message.seq)).toEqual([0, 0]);
    expect(driven.outcomes.map((outcome) => outcome.kind)).toEqual(['done', 'done']);
    expect(driven.outcomes.filter((outcome) => outcome.kind === 'done' && outcome.closedRun)).toHaveLength(1);
    expect(driven.report?.workspaces).toBe(4);
    expect(driven.report?.subscriptions).toEqual(seeded.subscriptions);
    expect(kit.emulator.sinks.deliveries('teams')).toHaveLength(1);
    expect(app.telemetry.snapshot().events['ComplianceSweepCompleted']).toBe(1);
  });

  it('a duplicate or leftover message does nothing: no ARM call, no message sent', async () => {
    const app = kit.app(auditing([SUB]));
    const driven = await sweepInThisProcess(app.sweep, quietLog);
    const first = driven.messages[0];
    if (first === undefined) throw new Error('no message was sent');
    kit.emulator.resetCalls();
    const { deps, sent } = capturing(app.sweep);

    const outcome = await sweepSlice(deps, quietLog, first);

    expect(outcome).toEqual({ kind: 'stale', why: `run ${first.runId} is complete` });
    expect(kit.emulator.calls()).toHaveLength(0);
    expect(sent).toHaveLength(0);
    expect(await sweepSlice(deps, quietLog, { ...first, runId: 'sweep-unknown' })).toMatchObject({ kind: 'stale', why: 'run sweep-unknown is not in the ledger' });
  });

  it('a message for a slice that has moved on is ignored while the run goes on', async () => {
    const seeded = seedBulk(kit.emulator.state, { workspaces: 3, computesPerWorkspace: 1, subscriptions: 1 }, new Date());
    const services = kit.app(auditing(seeded.subscriptions));
    const { deps, sent } = capturing({ ...services.sweep, sliceLimits: { maxWorkspaces: 2, budgetMs: 60_000, concurrency: 2 } });
    const planned = await planSweep(deps, quietLog);
    if (planned.kind !== 'planned') throw new Error(planned.kind);
    const [start] = sent.splice(0);
    if (start === undefined) throw new Error('no message was sent');

    expect(await sweepSlice(deps, quietLog, start)).toEqual({ kind: 'continued', swept: 2, left: 1 });
    expect(sent).toEqual([{ ...start, seq: 1 }]);
    kit.emulator.resetCalls();
    expect(await sweepSlice(deps, quietLog, start)).toMatchObject({ kind: 'stale', why: expect.stringContaining('has moved on (now at 1)') });
    expect(kit.emulator.calls()).toHaveLength(0);
    expect(await sweepSlice(deps, quietLog, { ...start, seq: 1 })).toEqual({ kind: 'done', swept: 1, closedRun: true });
  });

  it('a slice poisoned with no workspace to blame ends with its subscription reported as failed, and the run closes', async () => {
    const app = kit.app(auditing([SUB]));
    const { deps, sent } = capturing(app.sweep);
    const planned = await planSweep(deps, quietLog);
    if (planned.kind !== 'planned') throw new Error(planned.kind);
    const [start] = sent.splice(0);
    if (start === undefined) throw new Error('no message was sent');

    // As when its tries failed outside any workspace (the ledger could not be read or written).
    expect(await settlePoisonedSlice(deps, quietLog, start)).toEqual({ kind: 'done', swept: 0, closedRun: true });

    const report = await app.sweep.reports.find(planned.run.runId, planned.run.startedAt);
    expect(report?.problems).toEqual([{ workspaceId: `/subscriptions/${SUB}`, status: 'failed', error: expect.stringContaining('failed on every try') }]);
    expect(sent).toHaveLength(0);
  });
});

describe('planning a sweep', () => {
  it('does not plan the same sweep twice while it moves, and sends a stalled one on from where it stopped', async () => {
    const seeded = seedBulk(kit.emulator.state, { workspaces: 3, computesPerWorkspace: 1, subscriptions: 1 }, new Date());
    const services = kit.app(auditing(seeded.subscriptions));
    let now = new Date();
    const { deps, sent } = capturing({ ...services.sweep, sliceLimits: { maxWorkspaces: 2, budgetMs: 60_000, concurrency: 2 }, now: () => now });
    const planned = await planSweep(deps, quietLog);
    if (planned.kind !== 'planned') throw new Error(planned.kind);
    await sweepSlice(deps, quietLog, sent.splice(0)[0] as SweepSliceMessage);
    // The continuation (slice 1) is lost.
    sent.splice(0);

    expect(await planSweep(deps, quietLog)).toEqual({ kind: 'running', run: planned.run });
    expect(sent).toHaveLength(0);

    now = new Date(now.getTime() + STALL_MS + 1000);
    expect(await planSweep(deps, quietLog)).toEqual({ kind: 'resumed', run: planned.run, slices: 1 });
    expect(sent).toEqual([{ runId: planned.run.runId, startedAt: planned.run.startedAt, subscriptionId: seeded.subscriptions[0], seq: 1 }]);
    expect(await sweepSlice(deps, quietLog, sent[0] as SweepSliceMessage)).toEqual({ kind: 'done', swept: 1, closedRun: true });
    expect((await services.sweep.reports.find(planned.run.runId, planned.run.startedAt))?.workspaces).toBe(3);
  });

  it('fails, planning nothing, when Resource Graph cannot list the workspaces (the timer tries again on its schedule)', async () => {
    const app = kit.app(auditing([SUB]));
    kit.emulator.injectFault({ method: 'POST', path: 'Microsoft.ResourceGraph/resources', status: 400, times: 1, body: { error: { code: 'BadRequest', message: 'query refused' } } });
    const { deps, sent } = capturing(app.sweep);

    await expect(planSweep(deps, quietLog)).rejects.toThrow(/Resource Graph/);
    expect(sent).toHaveLength(0);
    expect(await app.sweep.ledger.openRun(`policy|${SUB}`, new Date())).toBeUndefined();
  });

  it('says so and plans nothing when the policy names no subscription', async () => {
    const app = kit.app((policy) => policy.replace(`subscriptions: [${SUB}]`, 'subscriptions: []'));
    const lines: string[] = [];
    const { deps, sent } = capturing(app.sweep);
    expect(await planSweep(deps, { info: (line) => lines.push(String(line)), warn: () => {}, error: () => {} })).toEqual({ kind: 'notConfigured' });
    expect(lines).toEqual(['Compliance sweep: sweep not configured: scope.subscriptions is empty; nothing was scanned']);
    expect(sent).toHaveLength(0);
  });
});

describe('the slice functions', () => {
  it('log and drop a malformed message rather than retry what no retry can mend', async () => {
    for (const handler of [sweepSliceHandler, sweepSlicePoisonHandler]) {
      const lines: { level: string; text: string }[] = [];
      const context = new InvocationContext({ functionName: 'sweepSlice', logHandler: (level, ...args) => lines.push({ level, text: String(args[0]) }) });
      await expect(handler({ runId: 'sweep-1', seq: -1 }, context)).resolves.toBeUndefined();
      expect(lines).toEqual([{ level: 'error', text: expect.stringMatching(/^Compliance sweep: slice message dropped: startedAt: /) }]);
    }
  });
});
