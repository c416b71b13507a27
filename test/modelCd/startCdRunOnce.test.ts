/** `startCdRunOnce` on in-memory ports: one run per (workspace, subject, target) at the target, whatever happens to the answers. */
import { describe, expect, it } from 'vitest';
import { modelSubject, runKeyOf } from '../../src/modelCd/cdLedger.js';
import { startCdRunOnce, type CdRunPlan } from '../../src/modelCd/startCdRunOnce.js';
import type { CdTarget } from '../../src/policy/policySchema.js';
import { appErrorOf } from '../helpers/appErrors.js';
import { inMemoryWorld, type InMemoryWorld } from '../inMemory/inMemoryWorld.js';

const WORKSPACE_ID = '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-mlops-demo/providers/Microsoft.MachineLearningServices/workspaces/mlw-demo';

function targetOf(world: InMemoryWorld, name: string): CdTarget {
  const target = world.policy.cd.targets[name];
  if (target === undefined) throw new Error(`the playground policy has no target ${name}`);
  return target;
}

function planFor(world: InMemoryWorld, eventId: string, version = '7'): CdRunPlan {
  return {
    eventId,
    key: { workspaceId: WORKSPACE_ID, subject: modelSubject('churn', version), target: 'model-cd' },
    targetName: 'model-cd',
    target: targetOf(world, 'model-cd'),
    parameters: { modelName: 'churn', modelVersion: version, workspaceId: WORKSPACE_ID },
    what: `model churn:${version}`,
    dimensions: { modelName: 'churn', modelVersion: version },
  };
}

const live = (world: InMemoryWorld) => ({ log: world.log, dryRun: false });

describe('startCdRunOnce', () => {
  it('starts one run with the parameters and the idempotency key, and a redelivery starts nothing', async () => {
    const world = inMemoryWorld();
    const plan = planFor(world, 'event-1');
    const first = await startCdRunOnce(world.modelCd, live(world), plan);
    const again = await startCdRunOnce(world.modelCd, live(world), { ...plan, eventId: 'event-1-redelivered' });

    expect(first).toMatchObject({ kind: 'started', runId: '1', attempt: 1 });
    expect(again).toEqual({ kind: 'skipped', reason: 'model churn:7 on target \'model-cd\': already started (run 1) by event event-1' });
    const runs = world.cdTargets.runsOf(plan.target);
    expect(runs).toHaveLength(1);
    expect(runs[0]?.request).toEqual({ eventId: 'event-1', parameters: plan.parameters, idempotencyKey: runKeyOf(plan.key) });
    expect(world.events('CdTriggered')).toHaveLength(1);
    expect(world.events('CdSkipped')[0]).toMatchObject({ eventId: 'event-1-redelivered', modelVersion: '7' });
  });

  it('two deliveries at once start one run', async () => {
    const world = inMemoryWorld();
    const outcomes = await Promise.allSettled([startCdRunOnce(world.modelCd, live(world), planFor(world, 'a')), startCdRunOnce(world.modelCd, live(world), planFor(world, 'b'))]);
    expect(world.cdTargets.runs).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled' && outcome.value.kind === 'started')).toHaveLength(1);
  });

  it('after the target accepted a run and the answer was lost, the redelivery finds that run and starts no other', async () => {
    const world = inMemoryWorld();
    world.cdTargets.script('acceptThenLoseAnswer');
    const lost = await appErrorOf(startCdRunOnce(world.modelCd, live(world), planFor(world, 'event-1')));
    expect(lost.transient).toBe(true);

    const redelivered = await startCdRunOnce(world.modelCd, live(world), planFor(world, 'event-1'));
    expect(redelivered).toMatchObject({ kind: 'started', runId: '1', attempt: 2 });
    expect(world.cdTargets.runs).toHaveLength(1);
    expect(world.cdTargets.calls.map((call) => call.call)).toEqual(['startRun', 'findRun']);
    expect(world.log.text()).toContain("CD already started by an earlier attempt on 'model-cd' (run 1)");
    expect(world.events('CdTriggered')[0]).toMatchObject({ recovered: 'true', attempt: '2' });
  });

  it('after a holder stopped between starting the run and recording it, the takeover records that run once the lease lapsed', async () => {
    const world = inMemoryWorld();
    const plan = planFor(world, 'event-1');
    // The holder claimed and started the run, then its process stopped: nothing was recorded.
    const claim = await world.modelCd.ledger.claim({ group: WORKSPACE_ID.toLowerCase(), item: `${plan.key.subject}|model-cd` }, 'event-1');
    expect(claim.kind).toBe('claimed');
    await world.cdTargets.forTarget(plan.target).startRun({ eventId: 'event-1', parameters: plan.parameters, idempotencyKey: runKeyOf(plan.key) });

    world.clock.advance(world.modelCd.ledger.leaseMs + 1);
    const takeover = await startCdRunOnce(world.modelCd, live(world), { ...plan, eventId: 'event-1-retry' });
    expect(takeover).toMatchObject({ kind: 'started', runId: '1', attempt: 2 });
    expect(world.cdTargets.runs).toHaveLength(1);
  });

  it('a target briefly unavailable gives the claim back: the redelivery starts the run at once', async () => {
    const world = inMemoryWorld();
    world.cdTargets.script('unavailable');
    expect((await appErrorOf(startCdRunOnce(world.modelCd, live(world), planFor(world, 'event-1')))).code).toBe('UpstreamTransient');
    expect(world.cdTargets.runs).toHaveLength(0);
    expect(await startCdRunOnce(world.modelCd, live(world), planFor(world, 'event-1'))).toMatchObject({ kind: 'started', attempt: 2 });
    expect(world.cdTargets.runs).toHaveLength(1);
    expect(world.events('CdFailed')[0]).toMatchObject({ retry: 'true' });
  });

  it('a run refused for good is told once on the CD channel, recorded as failed, and never asked for again', async () => {
    const world = inMemoryWorld();
    world.cdTargets.script('refuse');
    const refused = await startCdRunOnce(world.modelCd, live(world), planFor(world, 'event-1'));
    const later = await startCdRunOnce(world.modelCd, live(world), planFor(world, 'event-2'));

    expect(refused).toMatchObject({ kind: 'failed' });
    expect(refused.kind === 'failed' && refused.reason).toContain("does not accept parameter 'modelName'");
    expect(later).toMatchObject({ kind: 'skipped' });
    expect(later.kind === 'skipped' && later.reason).toContain('failed permanently');
    expect(world.cdTargets.calls.filter((call) => call.call === 'startRun')).toHaveLength(1);
    const told = world.notifiers.to('teams');
    expect(told).toHaveLength(1);
    expect(told[0]?.title).toBe('CD could not start for model churn:7');
  });

  it('a refusal whose notice cannot be sent now gives the claim back, so it is told on a redelivery', async () => {
    const world = inMemoryWorld();
    world.cdTargets.script('refuse', 'refuse');
    world.notifiers.failChannel('teams', 'transient');
    expect((await appErrorOf(startCdRunOnce(world.modelCd, live(world), planFor(world, 'event-1')))).transient).toBe(true);
    world.notifiers.failChannel('teams', undefined);
    expect(await startCdRunOnce(world.modelCd, live(world), planFor(world, 'event-1'))).toMatchObject({ kind: 'failed' });
    expect(world.notifiers.to('teams')).toHaveLength(1);
  });

  it('starts no run once the claim could lapse during the start: a slow lookup of an earlier attempt leaves it to a redelivery', async () => {
    const world = inMemoryWorld({ startRunWithinMs: 60_000 });
    world.cdTargets.script('unavailable');
    await appErrorOf(startCdRunOnce(world.modelCd, live(world), planFor(world, 'event-1')));
    // The second attempt looks for an earlier run first; that lookup takes longer than the start may.
    world.cdTargets.onFind = () => world.clock.advance(60_001);

    const late = await appErrorOf(startCdRunOnce(world.modelCd, live(world), planFor(world, 'event-1')));
    expect(late.transient).toBe(true);
    expect(late.message).toContain('too long to start the run safely');
    expect(world.cdTargets.calls.map((call) => call.call)).toEqual(['startRun', 'findRun']);
    expect(world.cdTargets.runs).toHaveLength(0);

    // The claim was given back: the next delivery, quick again, starts the one run.
    world.cdTargets.onFind = () => undefined;
    expect(await startCdRunOnce(world.modelCd, live(world), planFor(world, 'event-1'))).toMatchObject({ kind: 'started', attempt: 3 });
    expect(world.cdTargets.runs).toHaveLength(1);
  });

  it('a dry run says what it would start and writes nothing', async () => {
    const world = inMemoryWorld();
    const outcome = await startCdRunOnce(world.modelCd, { log: world.log, dryRun: true }, planFor(world, 'event-1'));
    expect(outcome.kind).toBe('wouldStart');
    expect(outcome.kind === 'wouldStart' && outcome.reason).toContain('modelName=churn modelVersion=7');
    expect(world.cdTargets.calls).toEqual([]);
    expect(world.state.rows('cdledger')).toEqual([]);
  });
});
