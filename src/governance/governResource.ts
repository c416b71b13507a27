/**
 * Tagging and scaling policy for one workspace or compute: evaluate (pure), then record the findings
 * (audit) or write the minimal patch (enforce). Used by ResourceWriteSuccess events — which are only a
 * hint: the resource is re-read from ARM — and by the compliance sweep.
 *
 * Loops cannot happen: a patch goes out as one write, the event that write raises re-reads the resource, and the
 * remediation ledger never writes the same patch again unless Azure was seen to apply it (`remediationLedger.ts`).
 */
import { createHash } from 'node:crypto';
import { AppError, isAppError } from '../errors.js';
import { describeFinding, describePatch, evaluate, isEmptyPatch, mergePatches, type Evaluation, type Finding, type Patch } from '../policy/evaluate.js';
import type { Mode, Policy } from '../policy/policySchema.js';
import type { GovernedResource, WorkspaceResource } from '../policy/resources.js';
import { tagValueOf } from '../policy/tags.js';
import type { GovernanceDeps } from './deps.js';
import type { AppliedChange, AuditEntry, AuditOutcome, AuditSource, OwnerNotice } from './ports.js';

/** A compute in one of these states is mid-operation: ARM refuses writes, and its completion raises a new event. */
const TRANSITIONAL_STATES = new Set(['creating', 'updating', 'deleting']);

export interface GovernOptions {
  readonly source: AuditSource;
  /** Event id or sweep run id. */
  readonly correlationId: string;
  /** `audit` writes nothing; `enforce` writes every fixable finding whatever its rule's mode. Absent: the policy's modes. */
  readonly modeOverride?: Mode | undefined;
  /** Work out what would be written, write nothing, record nothing (what-if). */
  readonly dryRun?: boolean;
}

export type GovernOutcome =
  | 'compliant'
  | 'exempt'
  | 'outOfScope'
  | 'violations' // findings, nothing to write (audit mode or not fixable in place)
  | 'remediated'
  | 'ineffective' // Azure accepted the fix and did not apply it: recorded and told once, not written again
  | 'deferred' // fixes held back: unfinished jobs, a compute mid-operation, the same fix being written
  | 'wouldChange' // what-if: the patch enforce mode would write
  | 'failed';

export interface GovernResult {
  readonly resourceId: string;
  readonly resourceType: GovernedResource['resourceType'];
  readonly name: string;
  readonly workspaceName: string;
  readonly subscriptionId: string;
  readonly owner: string | undefined;
  readonly outcome: GovernOutcome;
  readonly findings: readonly Finding[];
  /** What was (or, in what-if, would be) written. */
  readonly patch: Patch;
  readonly applied?: AppliedChange | undefined;
  readonly deferred?: { readonly patch: Patch; readonly reason: string } | undefined;
  readonly exemptUntil?: string | undefined;
  readonly note?: string | undefined;
}

/**
 * Evaluates one freshly read resource and acts on it. Transient ARM failures are thrown; a permanent write failure is
 * a `failed` result. A write that would clobber a change made since the read (the adapter's fresh read, or ARM's
 * 409/412) is not sent: the resource is read again and evaluated once more; a second conflict is thrown as transient,
 * so the event is delivered again (or the next sweep looks again).
 */
export function governResource(
  resource: GovernedResource,
  workspace: WorkspaceResource | undefined,
  deps: GovernanceDeps,
  options: GovernOptions,
): Promise<GovernResult> {
  return governAttempt(resource, workspace, deps, options, 1);
}

async function governAttempt(
  resource: GovernedResource,
  workspace: WorkspaceResource | undefined,
  deps: GovernanceDeps,
  options: GovernOptions,
  attempt: number,
): Promise<GovernResult> {
  let evaluation = evaluate(resource, { policy: deps.policy, ...(workspace ? { workspace } : {}), now: deps.now() });
  if (needsResourceGroupTags(evaluation, deps.policy)) {
    const readTags = deps.resourceGroupTags ?? ((s: string, g: string) => deps.arm.readResourceGroupTags(s, g));
    const resourceGroupTags = await readTags(resource.subscriptionId, resource.resourceGroup);
    evaluation = evaluate(resource, { policy: deps.policy, ...(workspace ? { workspace } : {}), resourceGroupTags, now: deps.now() });
  }
  const base = {
    resourceId: resource.id,
    resourceType: resource.resourceType,
    name: resource.name,
    workspaceName: resource.workspaceName,
    subscriptionId: resource.subscriptionId,
    owner: ownerOf(resource, workspace),
    findings: evaluation.findings,
    patch: {},
  };
  if (evaluation.outOfScope) return { ...base, outcome: 'outOfScope', note: evaluation.outOfScope.reason };
  if (evaluation.exempt) return { ...base, outcome: 'exempt', exemptUntil: evaluation.exempt.until, findings: evaluation.suppressedFindings ?? [] };
  if (evaluation.findings.length === 0) return { ...base, outcome: 'compliant' };

  const fixes = evaluation.findings.filter((finding) => finding.fixable && finding.fix && options.modeOverride !== 'audit' && (options.modeOverride === 'enforce' || finding.mode === 'enforce'));
  let writing = fixes;
  let deferred: { patch: Patch; reason: string; rules: string[] } | undefined;
  const held = (findings: readonly Finding[], reason: string) => ({ patch: patchOf(findings), reason, rules: findings.map((f) => f.rule) });

  if (resource.resourceType === 'compute' && writing.length > 0) {
    if (TRANSITIONAL_STATES.has((resource.provisioningState ?? '').toLowerCase())) {
      deferred = held(writing, `the compute is ${resource.provisioningState}; its next write event is evaluated again`);
      writing = [];
    } else if (writing.some((finding) => finding.disruptive) && (await deps.arm.hasUnfinishedJobs(resource))) {
      const disruptive = writing.filter((finding) => finding.disruptive);
      deferred = held(disruptive, 'the cluster has unfinished jobs');
      writing = writing.filter((finding) => !finding.disruptive);
    }
  }

  const patch = patchOf(writing);
  const noteOf = () => (deferred === undefined ? undefined : `held back (${deferred.reason}): ${describePatch(deferred.patch)}`);
  if (options.dryRun) {
    return { ...base, outcome: isEmptyPatch(patch) ? (deferred ? 'deferred' : 'violations') : 'wouldChange', patch, deferred, note: noteOf() };
  }
  // What no write will fix goes to the owner, once per set of findings; the sweep reports its own summary instead.
  const leftToPeople = evaluation.findings.filter((finding) => !fixes.includes(finding));
  if (options.source === 'event') await tellOwnerOnce(resource, workspace, leftToPeople, deps, options, base.owner);
  if (isEmptyPatch(patch)) {
    const outcome = deferred ? 'deferred' : 'violations';
    await deps.audit.record({ ...auditBase(resource, options, deps), outcome, findings: evaluation.findings, deferred, note: noteOf() });
    return { ...base, outcome, deferred, note: noteOf() };
  }

  const gate = await deps.remediations.open(resource.id, patch, options.correlationId, resource.lastModifiedAt);
  const audited = (outcome: AuditOutcome, extra: Partial<AuditEntry>) =>
    deps.audit.record({ ...auditBase(resource, options, deps), outcome, findings: evaluation.findings, deferred, note: noteOf(), ...extra });
  if (gate.kind === 'inFlight') {
    const note = `the same change is being written for ${gate.correlationId}; its completion event is evaluated again`;
    await audited('deferred', { note });
    return { ...base, outcome: 'deferred', note };
  }
  if (gate.kind === 'ineffective') return recordIneffective(resource, workspace, deps, options, base, patch, gate.firstSeen, audited);

  let applied: AppliedChange | undefined;
  try {
    applied = await deps.arm.apply(resource, patch, { waitMs: deps.confirmWithinMs ?? DEFAULT_CONFIRM_WITHIN_MS });
  } catch (error) {
    await deps.remediations.release(gate.claim);
    if (isAppError(error) && error.code === 'Conflict') return afterConflict(resource, workspace, deps, options, attempt, error.message);
    if (!isAppError(error) || error.transient) throw error;
    await audited('failed', { note: error.message });
    return { ...base, outcome: 'failed', patch, deferred, note: error.message };
  }
  if (applied?.result === 'ignored') {
    await deps.remediations.settle(gate.claim, 'ineffective', 'the read-back shows no change');
    return recordIneffective(resource, workspace, deps, options, base, patch, true, audited, applied);
  }
  await deps.remediations.settle(gate.claim, applied?.result === 'unconfirmed' ? 'written' : 'applied');
  const rules = writing.map((finding) => finding.rule);
  const pending = applied?.result === 'unconfirmed' ? 'accepted; Azure is still applying it, and its completion event checks it' : undefined;
  const note = [noteOf(), pending].filter((part) => part !== undefined).join('; ') || undefined;
  await audited('remediated', { change: applied === undefined ? undefined : { ...applied, rules }, note });
  deps.telemetry.trackEvent('ResourceRemediated', { resourceType: resource.resourceType, rules: rules.join(','), source: options.source, via: applied?.via });
  return { ...base, outcome: 'remediated', patch, applied, deferred, note };
}

/** Someone wrote the resource while it was being fixed: evaluate it as it is now, once; after that, leave it to a redelivery. */
async function afterConflict(
  resource: GovernedResource,
  workspace: WorkspaceResource | undefined,
  deps: GovernanceDeps,
  options: GovernOptions,
  attempt: number,
  reason: string,
): Promise<GovernResult> {
  deps.telemetry.trackEvent('RemediationConflict', { resourceType: resource.resourceType, source: options.source, attempt: String(attempt) });
  if (attempt > 1) {
    throw new AppError('UpstreamTransient', `Writing ${resource.resourceType} '${resource.name}' conflicted twice with changes made meanwhile (${reason}); it is evaluated again on the next delivery`, {
      module: 'enforce',
    });
  }
  const fresh = resource.resourceType === 'compute' ? await deps.arm.readCompute(resource, resource.name) : await deps.arm.readWorkspace(resource);
  return governAttempt(fresh, workspace, deps, options, attempt + 1);
}

/** Follows a long-running update for this long before returning it unconfirmed (Event Grid waits about 30 s for an answer). */
const DEFAULT_CONFIRM_WITHIN_MS = 20_000;

type GovernBase = Omit<GovernResult, 'outcome'>;

/** A fix Azure accepted and did not apply: audited and told to the owner the first time, never written again. */
async function recordIneffective(
  resource: GovernedResource,
  workspace: WorkspaceResource | undefined,
  deps: GovernanceDeps,
  options: GovernOptions,
  base: GovernBase,
  patch: Patch,
  firstSeen: boolean,
  audited: (outcome: AuditOutcome, extra: Partial<AuditEntry>) => Promise<void>,
  applied?: AppliedChange,
): Promise<GovernResult> {
  const note = firstSeen
    ? `Azure accepted ${describePatch(patch)} and did not apply it; it is not written again`
    : `${describePatch(patch)} did not take when it was written before; not written again`;
  if (firstSeen) {
    await audited('ineffective', { note, ...(applied === undefined ? {} : { change: { ...applied, rules: base.findings.filter((f) => f.fixable).map((f) => f.rule) } }) });
    deps.telemetry.trackEvent('RemediationIneffective', { resourceType: resource.resourceType, source: options.source, change: describePatch(patch) });
    await tellOwner(deps, {
      resource,
      workspace,
      owner: base.owner,
      title: `A fix did not take on ${resource.resourceType} ${resource.name}`,
      text: `Azure accepted the change ${describePatch(patch)} and the ${resource.resourceType} still shows the old values. aml-warden will not write it again; please make the change by hand or exempt the resource.`,
      correlationId: options.correlationId,
    });
  }
  return { ...base, outcome: 'ineffective', patch, applied, note };
}

async function tellOwner(deps: GovernanceDeps, notice: OwnerNotice): Promise<void> {
  if (deps.notifyOwner === undefined) return;
  try {
    await deps.notifyOwner(notice);
  } catch (error) {
    // The outcome is recorded; a lost notice must not fail (and so repeat) the evaluation.
    deps.telemetry.trackEvent('OwnerNoticeFailed', { resourceId: notice.resource.id, reason: error instanceof Error ? error.message : 'unknown' });
  }
}

/**
 * Findings this evaluation leaves to a person (not fixable in place, or not in enforce mode), told to the owner
 * once per resource and set of findings: a write event that changes nothing about them tells nothing again.
 */
async function tellOwnerOnce(resource: GovernedResource, workspace: WorkspaceResource | undefined, findings: readonly Finding[], deps: GovernanceDeps, options: GovernOptions, owner: string | undefined): Promise<void> {
  if (findings.length === 0 || deps.notices === undefined || deps.notifyOwner === undefined) return;
  const told = findings.map((finding) => `${finding.rule}=${JSON.stringify(finding.actual)}`).sort().join('|');
  const key = { group: resource.id.toLowerCase(), item: createHash('sha256').update(told).digest('hex').slice(0, 40) };
  const claim = await deps.notices.claim(key, options.correlationId);
  if (claim.kind !== 'claimed') return;
  try {
    await deps.notifyOwner({
      resource,
      workspace,
      owner,
      title: `${resource.resourceType === 'compute' ? 'Compute' : 'Workspace'} ${resource.name} needs a person`,
      text: findings.map((finding) => describeFinding(finding)).join('\n'),
      findings,
      correlationId: options.correlationId,
    });
    await deps.notices.complete(claim, { correlationId: options.correlationId });
  } catch (error) {
    await deps.notices.release(claim, error instanceof Error ? error.message : 'unknown');
    deps.telemetry.trackEvent('OwnerNoticeFailed', { resourceId: resource.id, reason: error instanceof Error ? error.message : 'unknown' });
  }
}

function patchOf(findings: readonly Finding[]): Patch {
  return mergePatches(findings.flatMap((finding) => (finding.fix ? [finding.fix] : [])));
}

function auditBase(resource: GovernedResource, options: GovernOptions, deps: GovernanceDeps) {
  return {
    resourceId: resource.id,
    resourceType: resource.resourceType,
    source: options.source,
    correlationId: options.correlationId,
    at: deps.now().toISOString(),
  };
}

/** A tag finding nothing could fix may be fixable from the resource group's tags; read them only then. */
function needsResourceGroupTags(evaluation: Evaluation, policy: Policy): boolean {
  const fromGroup = new Set(
    [...policy.requiredTags, ...Object.values(policy.scope.overrides).flatMap((override) => override.requiredTags ?? [])]
      .filter((rule) => rule.inheritFrom?.includes('resourceGroup'))
      .map((rule) => rule.name.toLowerCase()),
  );
  return evaluation.findings.some((finding) => {
    if (finding.fixable || !finding.rule.startsWith('tags.')) return false;
    const name = finding.rule.slice(finding.rule.indexOf(':') + 1).toLowerCase();
    return fromGroup.has(name);
  });
}

/** Who to charge a violation to: the resource's `owner` tag, else its workspace's. */
export function ownerOf(resource: GovernedResource, workspace: WorkspaceResource | undefined): string | undefined {
  return tagValueOf(resource.tags, 'owner') ?? (workspace === undefined ? undefined : tagValueOf(workspace.tags, 'owner'));
}
