/** Sweep reports round-trip through Table Storage (Azurite), however many lines and owners they have. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type AzuriteHandle } from '../../../dev/azurite.js';
import { createStateStore } from '../../../src/adapters/tables/tableState.js';
import { createSweepReportStore } from '../../../src/adapters/tables/sweepReportStore.js';
import { buildSweepReport, emptyCounts, type ReportLine, type WorkspaceSweepResult } from '../../../src/sweep/sweepReport.js';

let azurite: AzuriteHandle;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.close();
});

const workspaceId = (index: number) => `/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws-${index}`;

function lineOf(index: number): ReportLine {
  return {
    resourceId: `${workspaceId(index)}/computes/cluster-${index}`,
    resourceType: 'compute',
    name: `cluster-${index}`,
    workspaceName: `ws-${index}`,
    subscriptionId: '11111111-1111-1111-1111-111111111111',
    owner: `owner-${index}@contoso.com`,
    outcome: 'violations',
    rules: ['scaling.vmSize'],
    findings: [{ rule: 'scaling.vmSize', severity: 'medium', expected: ['Standard_DS3_v2', 'Standard_DS4_v2'], actual: 'Standard_NC24', relation: 'oneOf', fixable: false, advice: 'recreate the cluster with an allowed VM size' }],
    change: undefined,
    note: undefined,
  };
}

describe('the sweep report store', () => {
  it('keeps every line of a report larger than one Table property, and owner counts that parse', async () => {
    const store = createSweepReportStore(createStateStore({ state: { kind: 'connectionString', connectionString: azurite.connectionString }, tablePrefix: 'reports', timeoutMs: 5_000 }));
    const results: WorkspaceSweepResult[] = Array.from({ length: 300 }, (_, index) => ({
      workspaceId: workspaceId(index),
      workspaceName: `ws-${index}`,
      subscriptionId: '11111111-1111-1111-1111-111111111111',
      status: 'done',
      counts: { ...emptyCounts(), resources: 2, compliant: 1, violations: 1 },
      byRule: { 'scaling.vmSize': 1 },
      lines: [lineOf(index)],
    }));
    const report = buildSweepReport(
      { runId: 'sweep-1', mode: 'audit', whatIf: false, status: 'Completed', startedAt: '2026-12-01T00:00:00.000Z', finishedAt: '2026-12-01T00:05:00.000Z', subscriptions: ['11111111-1111-1111-1111-111111111111'] },
      results,
    );
    // More than one property's 32K characters: the lines must span several.
    expect(JSON.stringify(report.lines).length).toBeGreaterThan(60_000);
    await store.save(report);
    const read = await store.find('sweep-1', '2026-12-01T00:00:00.000Z');
    expect(read?.lines).toHaveLength(300);
    expect(read?.lines[299]).toEqual(JSON.parse(JSON.stringify(report.lines[299])));
    expect(Object.keys(read?.violationsByOwner ?? {})).toHaveLength(300);
    expect(read?.complianceRate).toBe(0.5);
    expect((await store.latest())?.runId).toBe('sweep-1');
  });
});
