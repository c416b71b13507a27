/**
 * Reading the CD ledger back (`listCdRuns`) in every state a version and its runs can be left in, written through
 * the very Table repositories the deliveries use (on the in-memory Table Storage), with the clock moved by hand.
 */
import { describe, expect, it } from 'vitest';
import { DECIDING_LEASE_MS } from '../../src/adapters/tables/cdDecisions.js';
import { DEFAULT_LEASE_MS } from '../../src/adapters/tables/onceLedger.js';
import { cdLedgerKey, modelSubject } from '../../src/modelCd/cdLedger.js';
import type { DecisionClaim } from '../../src/modelCd/ports.js';
import { listCdRuns } from '../../src/modelCd/readCdRuns.js';
import { inMemoryWorld, type InMemoryWorld } from '../inMemory/inMemoryWorld.js';

const WORKSPACE_ID = '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-mlops-demo/providers/Microsoft.MachineLearningServices/workspaces/mlw-demo';

async function claimDecision(world: InMemoryWorld, name: string, version: string, eventId: string): Promise<DecisionClaim> {
  const gate = await world.modelCd.decisions.open({ workspaceId: WORKSPACE_ID, subject: modelSubject(name, version) }, eventId, 'policy-1');
  if (gate.kind !== 'decide') throw new Error(`expected to decide ${name}:${version}, got ${gate.kind}`);
  return gate.claim;
}

async function claimRun(world: InMemoryWorld, name: string, version: string, target: string, eventId: string) {
  const claim = await world.modelCd.ledger.claim(cdLedgerKey({ workspaceId: WORKSPACE_ID, subject: modelSubject(name, version), target }), eventId);
  if (claim.kind !== 'claimed') throw new Error(`expected to claim ${name}:${version} on ${target}, got ${claim.kind}`);
  return claim;
}

describe('listCdRuns', () => {
  it('tells a run being started, one waiting for a redelivery, one never started, and versions being decided or left undecided', async () => {
    const world = inMemoryWorld();
    const step = () => world.clock.advance(1_000);

    // churn:1 goes to two targets: one run is being started now, the other has no run yet.
    const one = await claimDecision(world, 'churn', '1', 'ev-1');
    await world.modelCd.decisions.record(one, { outcome: 'matched', targets: [{ target: 'model-cd', rule: 'retrained' }, { target: 'canary', rule: 'canary-rule' }], eventId: 'ev-1' });
    await claimRun(world, 'churn', '1', 'model-cd', 'ev-1');
    step();
    // churn:2's run failed transiently and was given back; churn:3's holder stopped without settling.
    const two = await claimDecision(world, 'churn', '2', 'ev-2');
    await world.modelCd.decisions.record(two, { outcome: 'matched', targets: [{ target: 'model-cd', rule: 'retrained' }], eventId: 'ev-2' });
    await world.modelCd.ledger.release(await claimRun(world, 'churn', '2', 'model-cd', 'ev-2'), 'Azure DevOps answered 503');
    step();
    const three = await claimDecision(world, 'churn', '3', 'ev-3');
    await world.modelCd.decisions.record(three, { outcome: 'matched', targets: [{ target: 'model-cd', rule: 'retrained' }], eventId: 'ev-3' });
    await claimRun(world, 'churn', '3', 'model-cd', 'ev-3');
    step();
    // churn:4 was given back without a decision; churn:5 is being decided.
    await world.modelCd.decisions.release(await claimDecision(world, 'churn', '4', 'ev-4'), "the version does not exist in workspace 'mlw-demo'");
    step();
    await claimDecision(world, 'churn', '5', 'ev-5');

    const now = await listCdRuns(world.modelCd, { limit: 50, model: 'churn' });
    expect(now.map((version) => [version.modelVersion, version.decision, version.reason])).toEqual([
      ['5', 'Deciding', undefined],
      ['4', 'Undecided', "the version does not exist in workspace 'mlw-demo'"],
      ['3', 'Matched', undefined],
      ['2', 'Matched', undefined],
      ['1', 'Matched', undefined],
    ]);
    const runsOf = (version: string) => now.find((entry) => entry.modelVersion === version)?.runs;
    expect(runsOf('1')).toEqual([
      expect.objectContaining({ target: 'model-cd', rule: 'retrained', status: 'Starting', attempts: 1, eventId: 'ev-1' }),
      { target: 'canary', rule: 'canary-rule', status: 'NotStarted', attempts: 0 },
    ]);
    expect(runsOf('2')).toEqual([expect.objectContaining({ status: 'AwaitingRetry', error: 'Azure DevOps answered 503', attempts: 1 })]);
    expect(runsOf('3')).toEqual([expect.objectContaining({ status: 'Starting' })]);

    // Past both leases: the holders are gone, and the next delivery takes over.
    world.clock.advance(Math.max(DEFAULT_LEASE_MS, DECIDING_LEASE_MS) + 1_000);
    const later = await listCdRuns(world.modelCd, { limit: 50, model: 'churn' });
    expect(later.find((entry) => entry.modelVersion === '5')).toMatchObject({ decision: 'Undecided', reason: 'the delivery deciding it stopped before it decided' });
    expect(later.find((entry) => entry.modelVersion === '3')?.runs).toEqual([
      expect.objectContaining({ status: 'AwaitingRetry', error: 'the attempt holding it stopped before it finished', attempts: 1 }),
    ]);
    // The retry is the run's second attempt.
    await claimRun(world, 'churn', '3', 'model-cd', 'ev-3-again');
    const retried = await listCdRuns(world.modelCd, { limit: 50, model: 'churn' });
    expect(retried.find((entry) => entry.modelVersion === '3')?.runs).toEqual([expect.objectContaining({ status: 'Starting', attempts: 2, eventId: 'ev-3-again' })]);
  });

  it("a model's name is matched whole, and the limit keeps the most recently decided", async () => {
    const world = inMemoryWorld();
    for (const [name, version] of [['churn', '1'], ['churn-x', '1'], ['churn', '2'], ['churn.v2', '7']] as const) {
      await world.modelCd.decisions.record(await claimDecision(world, name, version, `ev-${name}-${version}`), { outcome: 'skipped', reason: 'no CD rule matches', eventId: `ev-${name}-${version}` });
      world.clock.advance(1_000);
    }
    const churn = await listCdRuns(world.modelCd, { limit: 50, model: 'churn' });
    expect(churn.map((version) => `${version.modelName}:${version.modelVersion}`)).toEqual(['churn:2', 'churn:1']);
    const newestTwo = await listCdRuns(world.modelCd, { limit: 2 });
    expect(newestTwo.map((version) => `${version.modelName}:${version.modelVersion}`)).toEqual(['churn.v2:7', 'churn:2']);
    expect(newestTwo[0]).toMatchObject({ workspaceId: WORKSPACE_ID.toLowerCase(), workspaceName: 'mlw-demo', decision: 'Skipped', reason: 'no CD rule matches', runs: [] });
  });
});
