/**
 * The sweep's view of a workspace's jobs: one `Jobs_List` per workspace (more pages only past ARM's page size; the
 * API has no status filter, so finished jobs are dropped after reading), each active job judged as a
 * `RunStatusChanged` would judge it (`decideJob`, `actOnJob`), and folded into the workspace's counts and lines. In
 * enforce mode a job whose rules say `cancel` adds one `Jobs_Cancel` and its polls.
 */
import type { GovernanceDeps } from '../governance/deps.js';
import type { GovernOptions } from '../governance/governResource.js';
import { actOnJob, decideJob, jobOwner, type JobDecision } from '../jobs/governJob.js';
import type { JobFinding } from '../policy/jobRules.js';
import type { WorkspaceResource } from '../policy/resources.js';
import { plainLog } from '../shared/log.js';
import { foldResource, type ReportFinding, type WorkspaceFold } from './sweepReport.js';

export async function sweepJobs(
  workspace: WorkspaceResource,
  deps: GovernanceDeps,
  options: GovernOptions,
  fold: WorkspaceFold,
): Promise<void> {
  const jobs = deps.jobs;
  if (jobs === undefined || deps.policy.jobs === undefined) return;
  const reference = { subscriptionId: workspace.subscriptionId, resourceGroup: workspace.resourceGroup, workspaceName: workspace.workspaceName, id: workspace.id };
  const dryRun = options.dryRun ?? false;
  for (const job of await jobs.jobs.listActiveJobs(reference)) {
    const decision = decideJob(deps.policy, job, deps.now(), options.modeOverride);
    let outcome = outcomeOf(decision, dryRun);
    let note = decision.kind === 'cancel' ? (dryRun ? 'would be cancelled (jobs.action: cancel)' : 'cancelled (jobs.action: cancel)') : undefined;
    if (!dryRun && (decision.kind === 'report' || decision.kind === 'cancel')) {
      // One job's trouble (a refused cancel, a channel down) is that job's line, not the workspace's failure.
      try {
        const acted = await actOnJob(jobs, reference, decision, options.correlationId, { log: plainLog(console), dryRun: false });
        if (!acted.handled && decision.kind === 'cancel') {
          outcome = 'violations';
          note = acted.reason;
        }
      } catch (error) {
        outcome = 'failed';
        note = `${decision.kind === 'cancel' ? 'cancelling' : 'reporting'} failed: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
    const quiet = decision.kind === 'compliant' || decision.kind === 'exempt' || decision.kind === 'notGoverned';
    foldResource(
      fold,
      outcome,
      quiet
        ? undefined
        : {
            resourceId: job.id,
            resourceType: 'job',
            name: job.name,
            workspaceName: workspace.workspaceName,
            subscriptionId: workspace.subscriptionId,
            owner: jobOwner(job),
            outcome,
            rules: [...new Set(decision.findings.map((finding) => finding.rule))],
            findings: decision.findings.map(reportFindingOf),
            change: decision.kind === 'cancel' ? 'Jobs_Cancel' : undefined,
            note,
          },
    );
  }
}

function outcomeOf(decision: JobDecision, dryRun: boolean): 'compliant' | 'exempt' | 'outOfScope' | 'violations' | 'remediated' | 'wouldChange' | 'failed' {
  switch (decision.kind) {
    case 'compliant':
      return 'compliant';
    case 'exempt':
      return 'exempt';
    case 'notGoverned':
      return 'outOfScope';
    case 'report':
      return 'violations';
    case 'cancel':
      return dryRun ? 'wouldChange' : 'remediated';
  }
}

function reportFindingOf(finding: JobFinding): ReportFinding {
  const list = finding.rule === 'job.instanceType' || finding.rule === 'job.queueTier';
  return {
    rule: finding.rule,
    severity: 'medium',
    expected: finding.expected,
    actual: finding.actual,
    relation: list ? 'oneOf' : 'atMost',
    fixable: false,
    advice: finding.message,
  };
}
