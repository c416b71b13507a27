/**
 * Quota in the compliance sweep, against the emulator through the SDK's `Usages_List` and `Quotas_List`: the run's
 * closer reads each subscription-region once, keeps utilization in the stored report, and notifies the channel once
 * when a VM family is at or over its threshold. The playground's `gpu-cluster` holds one Standard_NC24 node: 24 of
 * the NC family's 24 vCPUs.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { previewSweep } from '../../src/sweep/previewSweep.js';
import { formatSweepTable, formatWhatIf } from '../../src/sweep/reportText.js';
import { formatReportMarkdown } from '../../src/sweep/reportMarkdown.js';
import { renderReportHtml } from '../../src/sweep/reportHtml.js';
import { request } from '../helpers/emulatorServices.js';
import { SUB, computeIdOf, quietLog, startGovernanceKit, type GovernanceKit } from '../helpers/governanceKit.js';
import { sweepInThisProcess } from '../helpers/sweepDriver.js';

let kit: GovernanceKit;

beforeAll(async () => {
  kit = await startGovernanceKit();
}, 60_000);

afterAll(async () => {
  await kit?.close();
});

beforeEach(() => {
  kit.emulator.reset();
});

/** The playground policy in audit mode (nothing is scaled down before quota is read), with `quota` appended. */
const withQuota = (quota: string) => (policy: string) => `${policy.replace('mode: enforce', 'mode: audit')}\nquota:\n${quota}\n`;

const quotaCalls = () => kit.emulator.calls().filter((call) => /\/locations\/[^/]+\/(usages|quotas)$/i.test(call.path));

async function putCluster(name: string, vmSize: string, nodes: number): Promise<void> {
  const app = kit.app();
  const token = await app.adapters.credential.getToken('https://management.azure.com/.default');
  const response = await request(`${kit.emulator.url}${computeIdOf(name)}?api-version=2024-04-01`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token?.token ?? ''}` },
    body: { location: 'eastus', properties: { computeType: 'AmlCompute', properties: { vmSize, scaleSettings: { minNodeCount: nodes, maxNodeCount: nodes } } } },
    ca: kit.emulator.caPem,
  });
  expect(response.status).toBe(201);
}

describe('quota in the sweep', () => {
  it('reports a family over its threshold with current, limit and percentage, and notifies the channel once per run', async () => {
    const app = kit.app(withQuota('  utilizationThreshold: 80'));

    const driven = await sweepInThisProcess(app.sweep, quietLog);

    const nc = driven.report?.quota?.utilizations.filter((row) => row.family === 'Standard_NC_Family_Cluster_Dedicated_vCPUs');
    expect(nc?.map((row) => [row.level, row.workspaceName, row.current, row.limit, row.percent, row.overThreshold])).toEqual([
      ['subscription', undefined, 24, 24, 100, true],
      ['workspace', 'mlw-demo', 24, 24, 100, true],
    ]);
    expect(driven.report?.quota?.utilizations.find((row) => row.family === 'Standard_FSv2_Family_Cluster_Dedicated_vCPUs')).toMatchObject({ current: 0, limit: 24, percent: 0, overThreshold: false });
    // One Usages_List and one Quotas_List for the one subscription-region, however many workspaces it has.
    expect(quotaCalls().map((call) => `${call.method} ${call.path}`)).toEqual([
      `GET /subscriptions/${SUB}/providers/Microsoft.MachineLearningServices/locations/eastus/usages`,
      `GET /subscriptions/${SUB}/providers/Microsoft.MachineLearningServices/locations/eastus/quotas`,
    ]);
    const cards = kit.emulator.sinks.deliveries('teams').map((delivery) => JSON.stringify(delivery.body));
    const quotaCards = cards.filter((card) => card.includes('Azure ML quota'));
    expect(quotaCards).toHaveLength(1);
    expect(quotaCards[0]).toContain('24/24 (100%), threshold 80%');
    expect(cards.filter((card) => /Compliance sweep: [\d.]+% compliant/.test(card))).toHaveLength(1); // the sweep's summary beside it
    const delivered = cards.length;

    // A slice that runs again after the close reads nothing and sends nothing more.
    const first = driven.messages[0];
    if (first === undefined) throw new Error('no message was sent');
    const { sweepSlice } = await import('../../src/sweep/sweepSlice.js');
    await sweepSlice(app.sweep, quietLog, first);
    expect(quotaCalls()).toHaveLength(2);
    expect(kit.emulator.sinks.deliveries('teams')).toHaveLength(delivered);

    const table = formatSweepTable(driven.report ?? assertReport());
    expect(table).toContain('Quota:');
    expect(table).toMatch(/eastus\s+workspace mlw-demo\s+NC Dedicated\s+24\s+24\s+100%\s+80%\s+yes/);
    expect(Math.max(...table.split('\n').map((line) => line.length))).toBeLessThanOrEqual(120);
    expect(formatReportMarkdown(driven.report ?? assertReport())).toContain('### Quota');
    expect(renderReportHtml(driven.report ?? assertReport())).toContain('<h2 id="quota-heading">Quota</h2>');
  });

  it('reports a family under its threshold without notifying', async () => {
    await putCluster('fsv2-cluster', 'Standard_F4s_v2', 2);
    const app = kit.app(withQuota("  families: ['Standard_FSv2_*']\n  utilizationThreshold: 80"));

    const driven = await sweepInThisProcess(app.sweep, quietLog);

    expect(driven.report?.quota?.utilizations.map((row) => [row.level, row.family, row.current, row.limit, row.percent, row.overThreshold])).toEqual([
      ['subscription', 'Standard_FSv2_Family_Cluster_Dedicated_vCPUs', 8, 24, 33.3, false],
      ['workspace', 'Standard_FSv2_Family_Cluster_Dedicated_vCPUs', 8, 24, 33.3, false],
      ['subscription', 'Standard_FSv2_Family_Cluster_LowPriority_vCPUs', 0, null, null, false],
    ]);
    const cards = kit.emulator.sinks.deliveries('teams').map((delivery) => JSON.stringify(delivery.body));
    expect(cards.filter((card) => card.includes('Azure ML quota'))).toEqual([]);
    expect(cards.filter((card) => /Compliance sweep: [\d.]+% compliant/.test(card))).toHaveLength(1);
  });

  it('reads no quota when the policy has no quota rules', async () => {
    const app = kit.app((policy) => policy.replace('mode: enforce', 'mode: audit'));
    const driven = await sweepInThisProcess(app.sweep, quietLog);
    expect(driven.report?.quota).toBeUndefined();
    expect(quotaCalls()).toEqual([]);
  });

  it('what-if shows quota too', async () => {
    const app = kit.app(withQuota('  utilizationThreshold: 80'));
    const report = await previewSweep(app.sweep, quietLog, { subscriptions: [SUB] });
    expect(report.quota?.utilizations.filter((row) => row.overThreshold).map((row) => row.level)).toEqual(['subscription', 'workspace']);
    expect(kit.emulator.sinks.deliveries('teams')).toEqual([]);
    const printed = formatWhatIf(report);
    expect(printed).toContain('Quota:');
    expect(printed).toMatch(/subscription\s+NC Dedicated\s+24\s+24\s+100%\s+80%\s+yes/);
    expect(printed).toContain('VM family quota(s) at or over threshold.');
  });
});

function assertReport(): never {
  throw new Error('the run stored no report');
}
