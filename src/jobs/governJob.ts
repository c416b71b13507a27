/**
 * One Azure ML job against the policy's `jobs:` rules: read from ARM (Jobs_Get) — never decided from an event body —
 * evaluated, cancelled (Jobs_Cancel) in enforce mode when the rules say `action: cancel`, and its owner told why,
 * once per job however often the event is delivered or the sweep passes. Exempt jobs are left alone; a dry run
 * decides and says, and writes and sends nothing.
 */
import type { EventOutcome, RunStatusChangedEvent, WorkspaceReference } from '../events/domainEvent.js';
import type { Notification } from '../notifications/ports.js';
import { environmentOf } from '../policy/effectiveRules.js';
import { readExemption } from '../policy/exemptions.js';
import { evaluateJob, isActiveJob, isServerlessJob, jobAction, jobRulesFor, type JobFinding, type JobResource } from '../policy/jobRules.js';
import type { Mode, Policy } from '../policy/policySchema.js';
import { tagValueOf } from '../policy/tags.js';
import type { OnceLedger } from '../shared/onceLedger.js';
import type { RunContext } from '../shared/useCaseContext.js';
import type { JobGateway } from './ports.js';

export interface JobGovernanceDeps {
  readonly policy: Policy;
  readonly jobs: JobGateway;
  /** One entry per job: the notice (and cancel) happen once. */
  readonly once: OnceLedger;
  /** Sends to the policy's violations channel; absent when none is set (the job is still cancelled). */
  readonly notify?: ((notification: Notification) => Promise<void>) | undefined;
  readonly studioUrl: string;
  readonly now: () => Date;
}

export type JobDecision =
  | { readonly kind: 'compliant' | 'exempt' | 'notGoverned'; readonly job: JobResource; readonly findings: readonly JobFinding[]; readonly reason: string }
  | { readonly kind: 'report' | 'cancel'; readonly job: JobResource; readonly findings: readonly JobFinding[]; readonly reason: string; readonly owner: string | undefined };

const OWNER_TAG = 'owner';
/** One ledger entry per job and action: a job reported (audit, or `action: report`) is still cancelled once the rules say so. */
const onceItem = (kind: 'report' | 'cancel') => (kind === 'cancel' ? 'jobGovernance:cancel' : 'jobGovernance');

/** The owner to tell: the job's owner tag, else who created it. */
export function jobOwner(job: JobResource): string | undefined {
  return tagValueOf(job.properties.tags, OWNER_TAG) ?? job.systemData?.createdBy ?? undefined;
}

/** What the policy makes of the job, without acting. */
export function decideJob(policy: Policy, job: JobResource, now: Date, modeOverride?: Mode): JobDecision {
  const environment = environmentOf(policy, job.properties.tags);
  const found = jobRulesFor(policy, environment);
  if (found === undefined) return { kind: 'notGoverned', job, findings: [], reason: 'the policy has no jobs rules' };
  const exemption = readExemption(job.properties.tags, policy.exemptions, now);
  if (exemption.state === 'active') return { kind: 'exempt', job, findings: [], reason: `exempt until ${exemption.until}` };
  const findings = evaluateJob(found.rules, job);
  const action = jobAction(found.rules, modeOverride ?? found.mode, job, findings);
  if (action === 'none') return { kind: 'compliant', job, findings, reason: 'complies with the jobs rules' };
  return { kind: action, job, findings, reason: findings.map((finding) => finding.message).join('; '), owner: jobOwner(job) };
}

function noticeFor(decision: Extract<JobDecision, { kind: 'report' | 'cancel' }>, workspace: WorkspaceReference, studioUrl: string): Notification {
  const { job } = decision;
  const kind = isServerlessJob(job) ? 'serverless job' : 'job';
  return {
    title: decision.kind === 'cancel' ? `Job ${job.name} was cancelled: it breaks the jobs policy` : `Job ${job.name} breaks the jobs policy`,
    text: `The ${kind} ${job.name} in workspace ${workspace.workspaceName} ${decision.reason}.${decision.kind === 'cancel' ? ' It was cancelled; submit it again within the policy.' : ''}`,
    severity: 'warning',
    facts: [
      { name: 'Owner', value: decision.owner ?? 'unknown (no owner tag or creator)' },
      { name: 'Workspace', value: workspace.workspaceName },
      { name: 'Job', value: job.name },
      ...decision.findings.map((finding) => ({ name: finding.rule, value: `expected ${finding.expected}, has ${finding.actual}` })),
    ],
    link: { title: 'Open in Azure ML studio', url: `${studioUrl}/runs/${encodeURIComponent(job.name)}?wsid=${encodeURIComponent(workspace.id)}` },
    eventId: `job:${job.id.toLowerCase()}`,
  };
}

/** Acts on a decision once per job: cancel when it says so, then tell the owner. */
export async function actOnJob(deps: JobGovernanceDeps, workspace: WorkspaceReference, decision: JobDecision, eventId: string, context: RunContext): Promise<EventOutcome> {
  const { log } = context;
  const name = decision.job.name;
  if (decision.kind !== 'report' && decision.kind !== 'cancel') {
    log.info(`Job ${name}: ${decision.reason}`);
    return { handled: false, reason: decision.reason };
  }
  if (context.dryRun) {
    const reason = `would ${decision.kind === 'cancel' ? 'cancel job and notify' : 'notify'} ${decision.owner ?? 'the owner'}: ${decision.reason}`;
    log.info(`Job ${name}: ${reason}`);
    return { handled: true, reason };
  }
  const claim = await deps.once.claimOrWait({ group: decision.job.id.toLowerCase(), item: onceItem(decision.kind) }, eventId);
  if (claim.kind !== 'claimed') {
    const reason = `job ${name} was already ${claim.kind === 'done' ? 'handled' : 'handled and failed for good'}`;
    log.info(reason);
    return { handled: false, reason };
  }
  try {
    if (decision.kind === 'cancel') await deps.jobs.cancelJob(workspace, name);
    await deps.notify?.(noticeFor(decision, workspace, deps.studioUrl));
    await deps.once.complete(claim, { action: decision.kind });
  } catch (error) {
    await deps.once.release(claim, error instanceof Error ? error.message : String(error));
    throw error;
  }
  const reason = `${decision.kind === 'cancel' ? 'cancelled job' : 'reported job'} ${name}: ${decision.reason}`;
  log.info(reason);
  return { handled: true, reason };
}

/**
 * `RunStatusChanged` → job governance. Azure ML raises it on every status change of a run (Microsoft Learn, "Azure
 * Machine Learning as an Event Grid source": `Microsoft.MachineLearningServices.RunStatusChanged`, "Raised when a run
 * status changes", `data.runStatus`); there is no event for a job being written. A job is judged when it is
 * `Queued`/`Preparing`/`Starting`/`Running` — before and while it spends — and its status is read from ARM, not the event.
 */
export async function onJobStatusChanged(deps: JobGovernanceDeps, event: RunStatusChangedEvent, context: RunContext): Promise<EventOutcome> {
  const workspace = event.workspace;
  if (workspace === null) return { handled: false, reason: 'the event names no workspace' };
  if (deps.policy.jobs === undefined) return { handled: false, reason: 'the policy has no jobs rules' };
  const job = await deps.jobs.readJob(workspace, event.data.runId);
  if (job === undefined) return { handled: false, reason: `job '${event.data.runId}' does not exist in workspace '${workspace.workspaceName}'` };
  if (!isActiveJob(job)) return { handled: false, reason: `job '${job.name}' is ${job.properties.status ?? 'finished'}: nothing left to govern` };
  return actOnJob(deps, workspace, decideJob(deps.policy, job, deps.now()), event.id, context);
}
