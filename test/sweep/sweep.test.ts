import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bulkSubscriptionId, seedBulk } from '../../dev/emulator/seed.js';
import { composeApp, type App } from '../../src/composition.js';
import { runSweep, sweep } from '../../src/sweep/sweep.js';
import { formatSweepTable, formatWhatIf } from '../../src/sweep/sweepReport.js';
import { createSweepReportStore } from '../../src/adapters/tables/sweepReportStore.js';
import { ArmTokenBucketPacer } from '../../src/adapters/arm/armRequest.js';
import { SUB, computeIdOf, quietLog, startGovernanceKit, type GovernanceKit } from '../helpers/governanceKit.js';

let kit: GovernanceKit;

beforeAll(async () => {
  kit = await startGovernanceKit();
});

afterAll(async () => {
  await kit?.close();
});

beforeEach(() => {
  kit.emulator.reset();
  kit.emulator.setThrottle(false);
});

const armWrites = () => kit.emulator.calls().filter((call) => call.method !== 'GET' && call.path.startsWith('/subscriptions/'));

describe('compliance sweep over the playground', () => {
  it('audit mode reports the non-compliant cluster by rule and owner, writes nothing, stores the report and notifies', async () => {
    const services = kit.app((policy) => policy.replace('mode: enforce', 'mode: audit'));
    const outcome = await runSweep(services.sweep, quietLog, {});
    const report = outcome.report;

    expect(outcome).toMatchObject({ workspacesScanned: 1, computesScanned: 2 });
    expect(armWrites()).toHaveLength(0);
    expect(report?.lines.map((line) => line.name)).toEqual(['gpu-cluster']);
    expect(report?.lines[0]?.rules).toEqual(expect.arrayContaining(['scaling.minNodeCount', 'scaling.vmSize', 'scaling.remoteLoginPortPublicAccess', 'tags.required:owner']));
    expect(report?.complianceRate).toBeCloseTo(2 / 3);
    expect(report?.violationsByOwner).toEqual({ 'mlops-team@contoso.com': 1 });
    expect((await createSweepReportStore(services.adapters.state).latest())?.runId).toBe(report?.runId);
    expect(kit.emulator.sinks.deliveries('teams')).toHaveLength(1);
    expect(services.telemetry.snapshot().metrics['ComplianceRate']?.sum).toBeCloseTo((2 / 3) * 100);
    expect(services.telemetry.snapshot().metrics['PolicyViolations']?.count).toBeGreaterThan(3);
    expect(formatSweepTable(report!)).toMatch(/gpu-cluster\s+compute\s+mlops-team@contoso.com\s+violations/);
  });

  it('enforce mode fixes the cluster in one write; the next sweep writes nothing', async () => {
    const services = kit.app();
    const first = await runSweep(services.sweep, quietLog, {});
    expect(first.report?.totals.remediated).toBe(1);
    const gpuWrites = armWrites().filter((call) => call.path.startsWith(computeIdOf('gpu-cluster')));
    expect(gpuWrites).toHaveLength(1);

    kit.emulator.resetCalls();
    const second = await runSweep(services.sweep, quietLog, {});
    expect(armWrites()).toHaveLength(0);
    expect(second.report?.totals.remediated).toBe(0);
    // VM size, public SSH and the tags of an existing compute cannot be fixed in place: still reported.
    expect(second.report?.lines[0]?.rules).toEqual(['tags.required:owner', 'tags.required:cost-center', 'tags.required:environment', 'scaling.vmSize', 'scaling.remoteLoginPortPublicAccess']);
  });

  it('what-if lists the patches enforce would write and writes nothing', async () => {
    const services = kit.app((policy) => policy.replace('mode: enforce', 'mode: audit'));
    const report = await sweep(services.sweep, quietLog, { subscriptions: [SUB], whatIf: true });

    expect(armWrites()).toHaveLength(0);
    const text = formatWhatIf(report);
    expect(text).toContain(computeIdOf('gpu-cluster'));
    expect(text).toContain('scaleSettings.minNodeCount → 0');
    expect(text).not.toContain('tag owner');
  });
});

describe('compliance sweep at scale', () => {
  it('sweeps many workspaces across subscriptions under ARM throttling, reporting a forbidden workspace and going on', async () => {
    const seeded = seedBulk(kit.emulator.state, { workspaces: 24, computesPerWorkspace: 3, subscriptions: 2 }, new Date());
    const subscriptions = seeded.subscriptions;
    // ARM allows far less than the sweep's pacer assumes, so it answers 429s the sweep must wait out.
    kit.emulator.setThrottle({ reads: { burst: 4, perSecond: 20 }, writes: { burst: 4, perSecond: 20 }, resourceGraph: { queries: 1, windowSeconds: 1 } });
    kit.emulator.injectFault({ method: 'GET', path: 'workspaces/mlw-bench-0005/computes$', status: 403, times: 100, body: { error: { code: 'AuthorizationFailed', message: 'no access' } } });
    const services = kit.app((policy) => policy.replace('mode: enforce', 'mode: audit').replace('subscriptions: [11111111-1111-1111-1111-111111111111]', `subscriptions: [${subscriptions.join(', ')}]`));

    const paced = composeApp(services.config, services.adapters, { sweepPacing: () => new ArmTokenBucketPacer({ read: { burst: 100, perSecond: 100 }, write: { burst: 100, perSecond: 100 } }) });
    const report = await sweep(paced.sweep, quietLog, { subscriptions, concurrencyPerSubscription: 4 });

    expect(kit.emulator.calls().filter((call) => call.status === 429).length).toBeGreaterThan(0);
    expect(report.workspaces).toBe(24);
    expect(report.problems).toEqual([expect.objectContaining({ status: 'unreadable', workspaceId: expect.stringContaining('mlw-bench-0005') })]);
    expect(report.totals.resources).toBe(23 * 4);
    expect(report.totals.failed).toBe(0);
    expect(report.lines.filter((line) => line.resourceType === 'compute')).toHaveLength(23);
    expect(new Set(report.lines.map((line) => line.subscriptionId))).toEqual(new Set([bulkSubscriptionId(1), bulkSubscriptionId(2)]));
  });

  it('an unfinished run is resumed by the next sweep, which completes it under the same run id', async () => {
    const services = kit.app((policy) => policy.replace('mode: enforce', 'mode: audit'));
    const partial = await sweep(services.sweep, quietLog, { subscriptions: [SUB], budgetMs: 0 });
    expect(partial.status).toBe('Partial');
    expect(partial.workspaces).toBe(0);

    const resumed = await sweep(services.sweep, quietLog, { subscriptions: [SUB] });
    expect(resumed.status).toBe('Completed');
    expect(resumed.runId).toBe(partial.runId);
    expect(resumed.workspaces).toBe(1);

    kit.emulator.resetCalls();
    const fresh = await sweep(services.sweep, quietLog, { subscriptions: [SUB] });
    expect(fresh.runId).not.toBe(partial.runId);
  });
});

describe('aml-warden sweep / what-if', () => {
  async function cli(args: string[], app: App) {
    const { runCli } = await import('../../src/cli.js');
    let stdout = '';
    let stderr = '';
    const code = await runCli(args, { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text), cwd: process.cwd() }, { app });
    return { code, stdout, stderr };
  }

  it('`sweep --mode audit` prints the violations table and writes nothing, even with an enforcing policy', async () => {
    const result = await cli(['sweep', '--mode', 'audit'], kit.app());
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/WORKSPACE\s+RESOURCE\s+TYPE\s+OWNER\s+OUTCOME\s+RULES/);
    expect(result.stdout).toMatch(/mlw-demo\s+gpu-cluster\s+compute/);
    expect(armWrites()).toHaveLength(0);
  });

  it('`what-if --format json` lists the patch for the non-compliant cluster', async () => {
    const result = await cli(['what-if', '--format', 'json'], kit.app());
    const report = JSON.parse(result.stdout) as { whatIf: boolean; lines: { name: string; change?: string }[] };
    expect(report.whatIf).toBe(true);
    expect(report.lines.find((line) => line.name === 'gpu-cluster')?.change).toContain('scaleSettings.nodeIdleTimeBeforeScaleDown → PT30M');
    expect(armWrites()).toHaveLength(0);
  });

  it('refuses an unknown mode', async () => {
    const result = await cli(['sweep', '--mode', 'fix-everything'], kit.app());
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("--mode must be 'audit' or 'enforce'");
  });
});
