import { describe, expect, it } from 'vitest';
import { buildSweepReport, emptyCounts, formatSweepTable, formatWhatIf, sweepNotification, type ReportLine, type WorkspaceSweepResult } from '../../src/sweep/sweepReport.js';

const meta = { runId: 'sweep-1', mode: 'audit' as const, whatIf: false, status: 'Completed' as const, startedAt: '2025-03-01T00:00:00.000Z', finishedAt: '2025-03-01T00:01:00.000Z', subscriptions: ['s1'] };

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
    expect(formatSweepTable(report)).toContain('UNREADABLE WORKSPACE');
  });

  it('renders one aligned table row per non-compliant resource', () => {
    const table = formatSweepTable(report);
    expect(table).toMatch(/^w\s+a\s+compute\s+team-a\s+violations\s+scaling\.minNodeCount, tags\.required:owner$/m);
    expect(table).toContain('compliance 57.1%');
  });

  it('what-if lists patches only for resources enforce mode would change', () => {
    const whatIf = buildSweepReport({ ...meta, whatIf: true }, [workspace('w1', 0, [line('a', 'x', ['scaling.minNodeCount'], 'scaleSettings.minNodeCount → 0'), line('b', 'x', ['scaling.vmSize'])])]);
    const text = formatWhatIf(whatIf);
    expect(text).toContain('scaleSettings.minNodeCount → 0');
    expect(text).toContain('1 resource(s) have findings that cannot be fixed in place');
  });

  it('summarises for the violations channel as a warning when anything is non-compliant', () => {
    const notification = sweepNotification(report);
    expect(notification.severity).toBe('warning');
    expect(notification.facts).toContainEqual({ name: 'Non-compliant', value: '3' });
    expect(notification.facts).toContainEqual({ name: 'Top owners', value: 'team-a (2), (no owner) (1)' });
  });
});
