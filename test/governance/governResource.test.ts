/** `governResource` on in-memory ports: what is written, held back, recorded and told, decided without ARM or Table Storage. */
import { describe, expect, it } from 'vitest';
import { governResource, type GovernOptions } from '../../src/governance/governResource.js';
import { appErrorOf } from '../helpers/appErrors.js';
import { inMemoryWorld, type InMemoryWorld } from '../inMemory/inMemoryWorld.js';
import { cluster, workspaceResource } from '../inMemory/sampleEvents.js';

const onEvent = (correlationId: string): GovernOptions => ({ source: 'event', correlationId });

function worldWith(compute: ReturnType<typeof cluster>, options: { readonly unfinishedJobs?: boolean; readonly policy?: (text: string) => string } = {}): InMemoryWorld {
  const world = inMemoryWorld(options.policy === undefined ? {} : { policy: options.policy });
  world.azureMl.addWorkspace(workspaceResource());
  world.azureMl.addCompute(compute, { unfinishedJobs: options.unfinishedJobs ?? false });
  return world;
}

const audited = async (world: InMemoryWorld, resourceId: string) => (await world.governance.audit.history(resourceId)).map((entry) => entry.outcome);

describe('governResource', () => {
  it('a compliant cluster is left alone and costs no write', async () => {
    const compute = cluster('cpu-cluster');
    const world = worldWith(compute);
    const result = await governResource(compute, workspaceResource(), world.governance, onEvent('event-1'));
    expect(result.outcome).toBe('compliant');
    expect(world.azureMl.writes).toEqual([]);
  });

  it('enforce mode fixes what is fixable in one write, and audits it', async () => {
    const compute = cluster('gpu-cluster', { scaleSettings: { minNodeCount: 2, maxNodeCount: 4, nodeIdleTimeBeforeScaleDown: 'PT2H' } });
    const world = worldWith(compute);
    const result = await governResource(compute, workspaceResource(), world.governance, onEvent('event-1'));

    expect(result.outcome).toBe('remediated');
    expect(world.azureMl.writes).toEqual([{ resourceId: compute.id, patch: { scaleSettings: { minNodeCount: 0, nodeIdleTimeBeforeScaleDown: 'PT30M' } } }]);
    expect(world.azureMl.compute(compute.id)?.scaleSettings).toEqual({ minNodeCount: 0, maxNodeCount: 4, nodeIdleTimeBeforeScaleDown: 'PT30M' });
    expect(await audited(world, compute.id)).toEqual(['remediated']);
  });

  it('audit mode writes nothing and records the violations; the owner hears once of what needs a person', async () => {
    const compute = cluster('gpu-cluster', { vmSize: 'Standard_ND96asr_v4', scaleSettings: { minNodeCount: 2, maxNodeCount: 4, nodeIdleTimeBeforeScaleDown: 'PT30M' } });
    const world = worldWith(compute, { policy: (text) => text.replace('mode: enforce', 'mode: audit') });
    const first = await governResource(compute, workspaceResource(), world.governance, onEvent('event-1'));
    const second = await governResource(compute, workspaceResource(), world.governance, onEvent('event-2'));

    expect(first.outcome).toBe('violations');
    expect(second.outcome).toBe('violations');
    expect(first.findings.map((finding) => finding.rule).sort()).toEqual(['scaling.minNodeCount', 'scaling.vmSize']);
    expect(world.azureMl.writes).toEqual([]);
    expect(await audited(world, compute.id)).toEqual(['violations', 'violations']);
    const told = world.notifiers.to('teams');
    expect(told).toHaveLength(1);
    expect(told[0]?.text).toContain('Standard_ND96asr_v4');
  });

  it('a disruptive fix waits while the cluster has unfinished jobs; the harmless part is written now', async () => {
    const compute = cluster('busy-cluster', { scaleSettings: { minNodeCount: 0, maxNodeCount: 16, nodeIdleTimeBeforeScaleDown: 'PT2H' } });
    const world = worldWith(compute, { unfinishedJobs: true });
    const result = await governResource(compute, workspaceResource(), world.governance, onEvent('event-1'));

    expect(result.outcome).toBe('remediated');
    expect(result.deferred).toEqual({ patch: { scaleSettings: { maxNodeCount: 4 } }, reason: 'the cluster has unfinished jobs', rules: ['scaling.maxNodeCount'] });
    expect(world.azureMl.writes.map((write) => write.patch)).toEqual([{ scaleSettings: { nodeIdleTimeBeforeScaleDown: 'PT30M' } }]);
  });

  it('a fix Azure accepts and does not apply is recorded as ineffective, told once, and never written again', async () => {
    const compute = cluster('stubborn', { scaleSettings: { minNodeCount: 0, maxNodeCount: 4, nodeIdleTimeBeforeScaleDown: 'PT2H' } });
    const world = worldWith(compute);
    world.azureMl.nextApply = 'ignore';
    const first = await governResource(compute, workspaceResource(), world.governance, onEvent('event-1'));
    // The write raised its own event: the compute still needs exactly the same fix.
    const second = await governResource(compute, workspaceResource(), world.governance, onEvent('event-2'));

    expect([first.outcome, second.outcome]).toEqual(['ineffective', 'ineffective']);
    expect(world.azureMl.writes).toHaveLength(1);
    expect(world.notifiers.to('teams').filter((message) => message.title.startsWith('A fix did not take'))).toHaveLength(1);
    expect(await audited(world, compute.id)).toEqual(['ineffective']);
  });

  it('a write that conflicts with a change made meanwhile reads the compute again; a second conflict is left to a redelivery', async () => {
    const compute = cluster('contested', { scaleSettings: { minNodeCount: 1, maxNodeCount: 4, nodeIdleTimeBeforeScaleDown: 'PT30M' } });
    const world = worldWith(compute);
    world.azureMl.nextApply = 'conflict';
    const result = await governResource(compute, workspaceResource(), world.governance, onEvent('event-1'));
    expect(result.outcome).toBe('remediated');
    expect(world.azureMl.reads).toContain('compute contested');
    expect(world.events('RemediationConflict')).toHaveLength(1);

    const again = worldWith(compute);
    let conflicts = 0;
    const apply = again.azureMl.apply.bind(again.azureMl);
    again.azureMl.apply = async (...args) => {
      conflicts += 1;
      again.azureMl.nextApply = 'conflict';
      return apply(...args);
    };
    const error = await appErrorOf(governResource(compute, workspaceResource(), again.governance, onEvent('event-1')));
    expect(error.transient).toBe(true);
    expect(conflicts).toBe(2);
    expect(again.azureMl.writes).toEqual([]);
  });

  it('a what-if says what it would write, and writes, records and tells nothing', async () => {
    const compute = cluster('gpu-cluster', { scaleSettings: { minNodeCount: 2, maxNodeCount: 4, nodeIdleTimeBeforeScaleDown: 'PT30M' } });
    const world = worldWith(compute);
    const result = await governResource(compute, workspaceResource(), world.governance, { ...onEvent('event-1'), dryRun: true });
    expect(result).toMatchObject({ outcome: 'wouldChange', patch: { scaleSettings: { minNodeCount: 0 } } });
    expect(world.azureMl.writes).toEqual([]);
    expect(await audited(world, compute.id)).toEqual([]);
    expect(world.notifiers.sent).toEqual([]);
  });
});
