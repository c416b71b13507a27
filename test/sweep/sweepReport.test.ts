import { describe, expect, it } from 'vitest';
import { formatSweepTable, formatWhatIf } from '../../src/sweep/reportText.js';
import { buildSweepReport, emptyCounts, failsOn, sweepNotification, type ReportFinding, type ReportLine, type WorkspaceSweepResult } from '../../src/sweep/sweepReport.js';

const meta = { runId: 'sweep-1', mode: 'audit' as const, whatIf: false, status: 'Completed' as const, startedAt: '2025-03-01T00:00:00.000Z', finishedAt: '2025-03-01T00:01:00.000Z', subscriptions: ['s1'] };

const vmSize: ReportFinding = { rule: 'scaling.vmSize', severity: 'medium', expected: ['Standard_DS3_v2', 'Standard_DS4_v2'], actual: 'Standard_NC24', relation: 'oneOf', fixable: false, advice: 'recreate the cluster with an allowed VM size' };
const minNodes: ReportFinding = { rule: 'scaling.minNodeCount', severity: 'high', expected: 0, actual: 2, relation: 'equals', fixable: true, advice: undefined };

function line(name: string, owner: string | undefined, rules: string[], change?: string): ReportLine {
  return { resourceId: `/subscriptions/s1/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w/computes/${name}`, resourceType: 'compute', name, workspaceName: 'w', subscriptionId: 's1', owner, outcome: change ? 'wouldChange' : 'violations', rules, change, note: undefined };
}

function workspace(id: string, compliant: number, lines: ReportLine[], status: WorkspaceSweepResult['status'] = 'done'): WorkspaceSweepResult {
  const counts = { ...emptyCounts(), resources: compliant + lines.length, compliant, violations: lines.length };
  const byRule: Record<string, number> = {};
  for (const l of lines) for (const rule of l.rules) byRule[rule] = (byRule[rule] ?? 0) + 1;
  return { workspaceId: id, workspaceName: id, subscriptionId: 's1', status, counts, byRule, lines, ...(status === 'done' ? {} : { error: '403 AuthorizationFailed' }) };
}

describe('sweep report', () => {
  const report = buildSweepReport(meta, [
    workspace('w1', 3, [line('a', 'team-a', ['scaling.minNodeCount', 'tags.required:owner'])]),
    workspace('w2', 1, [line('b', 'team-a', ['scaling.minNodeCount']), line('c', undefined, ['scaling.vmSize'])]),
    workspace('w3', 0, [], 'unreadable'),
  ]);

  it('computes the compliance rate over the resources evaluated', () => {
    expect(report.totals.resources).toBe(7);
    expect(report.complianceRate).toBeCloseTo(4 / 7);
  });

  it('counts violations by rule and non-compliant resources by owner, largest first', () => {
    expect(Object.entries(report.violationsByRule)).toEqual([['scaling.minNodeCount', 2], ['scaling.vmSize', 1], ['tags.required:owner', 1]]);
    expect(report.violationsByOwner).toEqual({ 'team-a': 2, '(no owner)': 1 });
  });

  it('lists an unreadable workspace as a problem', () => {
    expect(report.problems).toEqual([{ workspaceId: 'w3', status: 'unreadable', error: '403 AuthorizationFailed' }]);
    expect(formatSweepTable(report)).toMatch(/NOT SWEPT\s+PROBLEM\n[- ]+\nw3\s+403 AuthorizationFailed/);
  });

  it('renders a row per finding with expected and actual values, fix in place or by hand, and the advice once per rule, within 120 columns', () => {
    const findings = buildSweepReport(meta, [workspace('w1', 0, [{ ...line('gpu-cluster-with-a-very-long-name', 'team-a', ['scaling.vmSize', 'scaling.minNodeCount']), findings: [vmSize, minNodes] }])]);
    const table = formatSweepTable(findings);
    expect(table).toMatch(/^w\s+gpu-cluster-wit…\s+scaling\.vmSize\s+one of Standard_D…\s+Standard_NC…\s+by hand\s+violations$/m);
    expect(table).toMatch(/^w\s+gpu-cluster-wit…\s+scaling\.minNodeCount\s+0\s+2\s+in place\s+violations$/m);
    expect(table).toMatch(/^scaling\.vmSize\s+recreate the cluster with an allowed VM size$/m);
    expect(Math.max(...table.split('\n').map((text) => text.length))).toBeLessThanOrEqual(120);
  });

  it('renders rows of reports stored before findings were kept, naming their rules', () => {
    const table = formatSweepTable(report);
    expect(table).toMatch(/^w\s+a\s+scaling\.minNodeCount, tags\.…\s+violations$/m);
    expect(table).toContain('compliance 57.1% of 7 evaluated');
  });

  it('what-if lists patches only for resources enforce mode would change', () => {
    const whatIf = buildSweepReport({ ...meta, whatIf: true }, [workspace('w1', 0, [line('a', 'x', ['scaling.minNodeCount'], 'scaleSettings.minNodeCount → 0'), line('b', 'x', ['scaling.vmSize'])])]);
    const text = formatWhatIf(whatIf);
    expect(text).toContain('scaleSettings.minNodeCount → 0');
    expect(text).toContain('1 resource(s) have findings enforce mode cannot fix in place (above)');
  });

  it('is not "100% compliant" when nothing was evaluated: out-of-scope and failed resources are counted apart', () => {
    const outOfScope = buildSweepReport({ ...meta, mode: 'policy' }, [{ ...workspace('w1', 0, []), counts: { ...emptyCounts(), resources: 750, outOfScope: 748, failed: 2 } }]);
    expect(outOfScope.complianceRate).toBeNull();
    expect(outOfScope.evaluated).toBe(0);
    const text = formatSweepTable(outOfScope);
    expect(text).toContain('compliance n/a: nothing was evaluated');
    expect(text).toContain('748 out of scope (not evaluated)');
    expect(text).toContain('2 failed (not evaluated)');
    expect(text).toContain("(each rule's own mode, Completed)");
    expect(text).not.toContain('mode policy');
    expect(sweepNotification(outOfScope)).toMatchObject({ title: 'Compliance sweep: nothing evaluated', severity: 'warning' });
    expect(failsOn(outOfScope, 'violations')).toBe(false);
  });

  it('fails on violations, on fixable findings still open, or never', () => {
    const open = buildSweepReport(meta, [workspace('w1', 1, [{ ...line('a', 'x', ['scaling.vmSize', 'scaling.minNodeCount']), findings: [vmSize, minNodes] }])]);
    expect(failsOn(open, 'violations')).toBe(true);
    expect(failsOn(open, 'fixable')).toBe(true);
    expect(failsOn(open, 'none')).toBe(false);
    // After enforce: the fixable finding was fixed, the VM size needs a person.
    const remediated = buildSweepReport(meta, [workspace('w1', 1, [{ ...line('a', 'x', ['scaling.vmSize', 'scaling.minNodeCount']), outcome: 'remediated', findings: [vmSize, minNodes] }])]);
    expect(failsOn(remediated, 'fixable')).toBe(false);
    expect(failsOn(remediated, 'violations')).toBe(true);
    const clean = buildSweepReport(meta, [workspace('w1', 3, [])]);
    expect(failsOn(clean, 'violations')).toBe(false);
  });

  it('summarises for the violations channel as a warning when anything is non-compliant', () => {
    const notification = sweepNotification(report);
    expect(notification.severity).toBe('warning');
    expect(notification.facts).toContainEqual({ name: 'Non-compliant', value: '3' });
    expect(notification.facts).toContainEqual({ name: 'Top owners', value: 'team-a (2), (no owner) (1)' });
  });
});
