/** `onModelRegistered` on in-memory ports: the version as Azure ML has it decides, once, and duplicates cost no read. */
import { describe, expect, it } from 'vitest';
import { onModelRegistered } from '../../src/modelCd/onModelRegistered.js';
import { inMemoryWorld, type InMemoryWorld } from '../inMemory/inMemoryWorld.js';
import { modelRegistered, workspaceRef, workspaceResource } from '../inMemory/sampleEvents.js';

const live = (world: InMemoryWorld) => ({ log: world.log, dryRun: false });

function worldWithVersion(experimentName: string, modelTags: Readonly<Record<string, string>> = {}): InMemoryWorld {
  const world = inMemoryWorld();
  world.azureMl.addWorkspace(workspaceResource());
  world.azureMl.addJob(workspaceRef, { name: 'train-job', experimentName });
  world.azureMl.addModelVersion(workspaceRef, { name: 'churn', version: '7', tags: modelTags, jobName: 'train-job' });
  return world;
}

describe('onModelRegistered', () => {
  it('a version its job retrained starts the model CD with that exact name and version', async () => {
    const world = worldWithVersion('retrain-churn');
    const outcome = await onModelRegistered(world.modelCd, modelRegistered('event-1', 'churn', '7'), live(world));
    expect(outcome.handled).toBe(true);
    const [run, ...more] = world.cdTargets.runs;
    expect(more).toEqual([]);
    expect(run?.request.parameters).toMatchObject({ modelName: 'churn', modelVersion: '7', workspaceId: workspaceRef.id });
  });

  it('a duplicate is answered from the decision and the ledger, without reading Azure ML again', async () => {
    const world = worldWithVersion('retrain-churn');
    await onModelRegistered(world.modelCd, modelRegistered('event-1', 'churn', '7'), live(world));
    const readsAfterFirst = world.azureMl.reads.length;
    const duplicate = await onModelRegistered(world.modelCd, modelRegistered('event-1-again', 'churn', '7'), live(world));
    expect(duplicate.reason).toContain('already started');
    expect(world.azureMl.reads).toHaveLength(readsAfterFirst);
    expect(world.cdTargets.runs).toHaveLength(1);
  });

  it('a version no CD rule matches starts nothing, and says why', async () => {
    const world = worldWithVersion('exploration');
    const outcome = await onModelRegistered(world.modelCd, modelRegistered('event-1', 'churn', '7'), live(world));
    expect(outcome.reason).toContain('skipped model churn:7');
    expect(world.cdTargets.runs).toEqual([]);
    expect(world.events('CdSkipped')).toHaveLength(1);
  });

  it('the registered tags in the event are not trusted: only the tags Azure ML holds for the version count', async () => {
    const world = worldWithVersion('exploration');
    const forged = modelRegistered('event-1', 'churn', '7');
    await onModelRegistered(world.modelCd, { ...forged, data: { ...forged.data, modelTags: { retrained: 'true' } } }, live(world));
    expect(world.cdTargets.runs).toEqual([]);

    const tagged = worldWithVersion('exploration', { retrained: 'true' });
    await onModelRegistered(tagged.modelCd, modelRegistered('event-1', 'churn', '7'), live(tagged));
    expect(tagged.cdTargets.runs).toHaveLength(1);
  });

  it('a version Azure ML does not have starts nothing and is decided again by the next delivery', async () => {
    const world = inMemoryWorld();
    const outcome = await onModelRegistered(world.modelCd, modelRegistered('event-1', 'churn', '8'), live(world));
    expect(outcome.reason).toContain("the version does not exist in workspace 'mlw-demo'");
    world.azureMl.addModelVersion(workspaceRef, { name: 'churn', version: '8', tags: { retrained: 'true' }, jobName: undefined });
    await onModelRegistered(world.modelCd, modelRegistered('event-1', 'churn', '8'), live(world));
    expect(world.cdTargets.runs).toHaveLength(1);
  });
});
