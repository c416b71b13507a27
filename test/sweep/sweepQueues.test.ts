/**
 * The compliance sweep as it runs in Azure: planned (by the CLI or the timer's use case), worked through by the
 * app's queue functions on the offline host — one chain of slice messages per subscription on Azurite's queue
 * service — against the emulator over HTTPS, with the report stored and sent when the last slice closes the run.
 */
import { QueueServiceClient } from '@azure/storage-queue';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PLAYGROUND_JOB } from '../../dev/emulator/jobSeed.js';
import { bulkSubscriptionId, seedBulk } from '../../dev/emulator/seed.js';
import { startHost, type FunctionsHost } from '../../dev/host/host.js';
import { ArmTokenBucketPacer } from '../../src/adapters/arm/armRequest.js';
import { composeApp, setAppForProcess, type App } from '../../src/composition.js';
import { queueNames } from '../../src/queueNames.js';
import { planSweep } from '../../src/sweep/planSweep.js';
import type { SweepRun } from '../../src/sweep/ports.js';
import { previewSweep } from '../../src/sweep/previewSweep.js';
import { formatSweepTable, formatWhatIf } from '../../src/sweep/reportText.js';
import type { SweepReport } from '../../src/sweep/sweepReport.js';
import { SUB, WORKSPACE_ID, computeIdOf, quietLog, startGovernanceKit, type GovernanceKit } from '../helpers/governanceKit.js';
import { repositoryRoot } from '../helpers/repositoryRoot.js';

const MAX_DEQUEUE_COUNT = 3;
const hostJson = { version: '2.0', extensions: { queues: { maxPollingInterval: '00:00:00.500', visibilityTimeout: '00:00:00', maxDequeueCount: MAX_DEQUEUE_COUNT } } };

let kit: GovernanceKit;
let host: FunctionsHost;
const hostLog: string[] = [];

beforeAll(async () => {
  kit = await startGovernanceKit();
  host = await startHost({ entry: `${repositoryRoot}/src/index.ts`, timers: false, hostJson, env: { AML_WARDEN_QUEUE: kit.azurite.connectionString }, log: (line) => hostLog.push(line) });
}, 60_000);

afterAll(async () => {
  setAppForProcess(undefined);
  await host?.close();
  await kit?.close();
});

beforeEach(() => {
  kit.emulator.reset();
  // The seeded online endpoint and its deployments, and the seeded job, are swept in their own tests
  // (onlineEndpointSweep.test.ts, jobSweep.test.ts).
  kit.emulator.state.delete(`${WORKSPACE_ID}/onlineEndpoints/churn-endpoint`);
  kit.emulator.state.delete(`${WORKSPACE_ID}/jobs/${PLAYGROUND_JOB.disallowedInstanceType}`);
  kit.emulator.setThrottle(false);
  hostLog.length = 0;
});

const armWrites = () => kit.emulator.calls().filter((call) => call.method !== 'GET' && call.path.startsWith('/subscriptions/'));

/** The app the host's functions use from now on. */
function serve<T extends App>(app: T): T {
  setAppForProcess(app);
  return app;
}

/** Until every invocation the host started has ended. */
async function hostIdle(): Promise<void> {
  const count = (word: string) => hostLog.filter((line) => line.includes(`] ${word} 'Functions.`)).length;
  while (count('Executing') > count('Executed')) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** Waits for the run's report, as the CLI does, and for the invocation that stored it to end. */
async function reportOf(app: App, run: SweepRun, timeoutMs = 60_000): Promise<SweepReport> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if ((await app.sweep.ledger.run(run.runId, run.startedAt))?.status === 'Completed') {
      const report = await app.sweep.reports.find(run.runId, run.startedAt);
      if (report !== undefined) {
        await hostIdle();
        return report;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`sweep ${run.runId} did not complete; host log:\n${hostLog.join('\n')}`);
}

async function sweepThroughQueues(app: App, options: Parameters<typeof planSweep>[2] = {}): Promise<SweepReport> {
  const planned = await planSweep(app.sweep, quietLog, options);
  if (planned.kind !== 'planned') throw new Error(`expected a new run, got ${planned.kind}`);
  return reportOf(app, planned.run);
}

describe('compliance sweep over the playground, through the queues', () => {
  it('audit mode reports the non-compliant cluster by rule and owner, writes nothing, stores the report and notifies once', async () => {
    const services = serve(kit.app((policy) => policy.replace('mode: enforce', 'mode: audit')));
    const report = await sweepThroughQueues(services);

    expect(armWrites()).toHaveLength(0);
    expect(report.workspaces).toBe(1);
    expect(report.totals.resources).toBe(4);
    // ci-no-schedule (seeded without a stop schedule) needs a person too.
    expect(report.lines.map((line) => line.name).sort()).toEqual(['ci-no-schedule', 'gpu-cluster']);
    expect(report.lines.find((line) => line.name === 'gpu-cluster')?.rules).toEqual(expect.arrayContaining(['scaling.minNodeCount', 'scaling.vmSize', 'scaling.remoteLoginPortPublicAccess', 'tags.required:owner']));
    expect(report.complianceRate).toBeCloseTo(2 / 4);
    expect(report.violationsByOwner).toEqual({ 'mlops-team@contoso.com': 2 });
    expect((await services.sweep.reports.latest())?.runId).toBe(report.runId);
    expect(kit.emulator.sinks.deliveries('teams')).toHaveLength(1);
    expect(services.telemetry.snapshot().metrics['ComplianceRate']?.sum).toBeCloseTo((2 / 4) * 100);
    expect(services.telemetry.snapshot().metrics['PolicyViolations']?.count).toBeGreaterThan(3);
    const table = formatSweepTable(report);
    expect(table).toMatch(/^mlw-demo\s+gpu-cluster\s+scaling\.vmSize\s+one of Standard_D…\s+Standard_NC\S*\s+by hand\s+violations$/m);
    expect(table).toMatch(/^scaling\.vmSize\s+a cluster's VM size cannot change: create a cluster with an allowed size, move its\s*\n\s+workloads, then delete this one$/m);
    expect(table).toMatch(/^mlops-team@contoso\.com\s+2$/m);
    // Each finding keeps what the policy expects and what Azure has.
    expect(report.lines.find((line) => line.name === 'gpu-cluster')?.findings).toContainEqual(expect.objectContaining({ rule: 'scaling.minNodeCount', expected: 0, relation: 'equals', fixable: true }));
    // The host ran the slice from the queue, and said so.
    expect(hostLog.join('\n')).toMatch(new RegExp(`Executing 'Functions.sweepSlice' \\(Reason='New queue message detected on '${queueNames.sweepSlices}'[\\s\\S]*subscription ${SUB} slice 0: 1 workspace\\(s\\) swept, 1 in all; subscription done`));
  });

  it('enforce mode fixes the cluster in one write; the next sweep writes nothing', async () => {
    const services = serve(kit.app());
    const first = await sweepThroughQueues(services);
    expect(first.totals.remediated).toBe(1);
    expect(armWrites().filter((call) => call.path.startsWith(computeIdOf('gpu-cluster')))).toHaveLength(1);

    kit.emulator.resetCalls();
    const second = await sweepThroughQueues(services);
    expect(second.runId).not.toBe(first.runId);
    expect(armWrites()).toHaveLength(0);
    expect(second.totals.remediated).toBe(0);
    // VM size, public SSH and the tags of an existing compute cannot be fixed in place: still reported.
    expect(second.lines.find((line) => line.name === 'gpu-cluster')?.rules).toEqual(['tags.required:owner', 'tags.required:cost-center', 'tags.required:environment', 'scaling.vmSize', 'scaling.remoteLoginPortPublicAccess']);
  });

  it('what-if lists the patches enforce would write and writes nothing, in this process', async () => {
    const services = kit.app((policy) => policy.replace('mode: enforce', 'mode: audit'));
    const report = await previewSweep(services.sweep, quietLog, { subscriptions: [SUB] });

    expect(armWrites()).toHaveLength(0);
    expect(report.whatIf).toBe(true);
    const text = formatWhatIf(report);
    expect(text).toMatch(/^mlw-demo\s+gpu-cluster\s+scaleSettings\.\S+ → \S+$/m);
    expect(text).toContain('scaleSettings.minNodeCount → 0');
    expect(text).not.toContain('tag owner');
    expect(await services.sweep.reports.latest()).toBeUndefined();
  });
});

describe('compliance sweep at scale, through the queues', () => {
  it('sweeps each subscription as a chain of bounded slices under ARM throttling, reporting a forbidden workspace and going on', async () => {
    const seeded = seedBulk(kit.emulator.state, { workspaces: 24, computesPerWorkspace: 3, subscriptions: 2 }, new Date());
    // ARM allows far less than the sweep's pacer assumes, so it answers 429s the sweep must wait out.
    kit.emulator.setThrottle({ reads: { burst: 4, perSecond: 20 }, writes: { burst: 4, perSecond: 20 }, resourceGraph: { queries: 2, windowSeconds: 1 } });
    kit.emulator.injectFault({ method: 'GET', path: 'workspaces/mlw-bench-0005/computes$', status: 403, times: 100, body: { error: { code: 'AuthorizationFailed', message: 'no access' } } });
    const services = kit.app((policy) => policy.replace('mode: enforce', 'mode: audit').replace(`subscriptions: [${SUB}]`, `subscriptions: [${seeded.subscriptions.join(', ')}]`));
    const app = serve(
      composeApp(services.config, services.adapters, {
        sweepPacing: new ArmTokenBucketPacer({ read: { burst: 100, perSecond: 100 }, write: { burst: 100, perSecond: 100 } }),
        sliceLimits: { maxWorkspaces: 5, budgetMs: 60_000, concurrency: 4 },
      }),
    );

    const planned = await planSweep(app.sweep, quietLog, { subscriptions: seeded.subscriptions });
    if (planned.kind !== 'planned') throw new Error(planned.kind);
    const report = await reportOf(app, planned.run);

    expect(kit.emulator.calls().filter((call) => call.status === 429).length).toBeGreaterThan(0);
    expect(report.workspaces).toBe(24);
    expect(report.problems).toEqual([expect.objectContaining({ status: 'unreadable', workspaceId: expect.stringContaining('mlw-bench-0005') })]);
    expect(report.totals.resources).toBe(23 * 4);
    expect(report.totals.failed).toBe(0);
    expect(report.lines.filter((line) => line.resourceType === 'compute')).toHaveLength(23);
    expect(new Set(report.lines.map((line) => line.subscriptionId))).toEqual(new Set([bulkSubscriptionId(1), bulkSubscriptionId(2)]));
    // 12 workspaces per subscription, 5 per message: slices 0, 1 and 2 in each chain, then done.
    const slices = await app.sweep.ledger.slices(planned.run);
    expect(slices.map((slice) => [slice.subscriptionId, slice.seq, slice.status, slice.workspacesPlanned, slice.workspacesDone])).toEqual(
      expect.arrayContaining(seeded.subscriptions.map((subscription) => [subscription, 3, 'Done', 12, 12])),
    );
    const log = hostLog.join('\n');
    for (const subscription of seeded.subscriptions) {
      expect(log).toContain(`subscription ${subscription} slice 0: 5 workspace(s) swept, 7 left; continued as slice 1`);
      expect(log).toContain(`subscription ${subscription} slice 2: 2 workspace(s) swept, 12 in all; subscription done`);
    }
  });

  it('a slice whose workspace read always fails ends in the poison queue; the report names that workspace as failed and the rest is swept', async () => {
    const seeded = seedBulk(kit.emulator.state, { workspaces: 6, computesPerWorkspace: 1, subscriptions: 1 }, new Date());
    // An answer the SDK does not retry, so each try of the message fails at once.
    kit.emulator.injectFault({ method: 'GET', path: 'workspaces/mlw-bench-0002/computes$', status: 409, times: 10_000, body: { error: { code: 'Conflict', message: 'the workspace is being moved' } } });
    const services = kit.app((policy) => policy.replace('mode: enforce', 'mode: audit').replace(`subscriptions: [${SUB}]`, `subscriptions: [${seeded.subscriptions.join(', ')}]`));
    const app = serve(composeApp(services.config, services.adapters, { sliceLimits: { maxWorkspaces: 4, budgetMs: 60_000, concurrency: 2 } }));
    const poison = QueueServiceClient.fromConnectionString(kit.azurite.connectionString).getQueueClient(`${queueNames.sweepSlices}-poison`);

    const planned = await planSweep(app.sweep, quietLog, { subscriptions: seeded.subscriptions });
    if (planned.kind !== 'planned') throw new Error(planned.kind);
    const report = await reportOf(app, planned.run, 120_000);

    expect(report.workspaces).toBe(6);
    expect(report.problems).toEqual([expect.objectContaining({ status: 'failed', workspaceId: expect.stringContaining('/workspaces/mlw-bench-0002') })]);
    expect(report.totals.resources).toBe(5 * 2);
    const log = hostLog.join('\n');
    expect(log).toContain(`has reached MaxDequeueCount of ${MAX_DEQUEUE_COUNT}. Moving message to queue '${queueNames.sweepSlices}-poison'`);
    expect(log).toMatch(/Executed 'Functions\.sweepSlicePoison' \(Succeeded/);
    expect(log).toMatch(/mlw-bench-0002 reported as failed; continued as slice 1/);
    // The poison function took the message: nothing is left behind.
    expect((await poison.peekMessages({ numberOfMessages: 32 })).peekedMessageItems).toHaveLength(0);
  }, 150_000);
});

describe('aml-warden sweep / what-if', () => {
  async function cli(args: string[], app: App) {
    const { runCli } = await import('../../src/cli.js');
    let stdout = '';
    let stderr = '';
    const code = await runCli(args, { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text), cwd: process.cwd() }, { app });
    return { code, stdout, stderr };
  }

  it('`sweep --mode audit` runs through the queues, shows each subscription\'s slices, prints the violations table and writes nothing, even with an enforcing policy', async () => {
    const result = await cli(['sweep', '--mode', 'audit'], serve(kit.app()));
    // gpu-cluster breaks the policy: findings fail the command by default.
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Compliance sweep sweep-\S+ planned \(mode audit\): 1 workspace\(s\) in 1 subscription\(s\)/);
    expect(result.stderr).toContain(`${SUB}: done, 1/1 workspace(s) swept`);
    expect(result.stdout).toMatch(/WORKSPACE\s+RESOURCE\s+RULE\s+EXPECTED\s+ACTUAL\s+FIX\s+OUTCOME/);
    expect(result.stdout).toMatch(/mlw-demo\s+gpu-cluster\s+scaling\.\S+/);
    // Readable at 120 columns.
    expect(Math.max(...result.stdout.split('\n').map((line) => line.length))).toBeLessThanOrEqual(120);
    expect(armWrites()).toHaveLength(0);
  });

  it('`what-if -o json` lists the patch for the non-compliant cluster', async () => {
    const result = await cli(['what-if', '-o', 'json', '--fail-on', 'none'], kit.app());
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { whatIf: boolean; lines: { name: string; change?: string }[] };
    expect(report.whatIf).toBe(true);
    expect(report.lines.find((line) => line.name === 'gpu-cluster')?.change).toContain('scaleSettings.nodeIdleTimeBeforeScaleDown → PT30M');
    expect(armWrites()).toHaveLength(0);
  });

  it('refuses an unknown mode as a usage error, naming the choices', async () => {
    const result = await cli(['sweep', '--mode', 'fix-everything'], kit.app());
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("argument 'fix-everything' is invalid. Allowed choices are audit, enforce.");
  });
});
