/**
 * Tagging and scaling policy for one workspace or compute: evaluate (pure), then record the findings
 * (audit) or write the minimal patch (enforce). Used by ResourceWriteSuccess events — which are only a
 * hint: the resource is re-read from ARM — and by the compliance sweep.
 *
 * Loops cannot happen: a patch goes out as one write, and the event that write raises re-reads a
 * resource that is now compliant, so it writes nothing.
 */
import type { ResourceWriteSuccessEvent } from '../events/domainEvent.js';
import { parseResourceReference } from '../events/resourceReference.js';
import { isAppError } from '../errors.js';
import { ArmRequester, type ArmPacing } from '../azure/armRequest.js';
import { createRemediationAdapter, type AppliedChange, type RemediationAdapter } from '../azure/remediation.js';
import type { Telemetry } from '../integrations/telemetry.js';
import { evaluate, describePatch, isEmptyPatch, mergePatches, type Evaluation, type Finding, type Patch } from '../policy/evaluate.js';
import type { Mode, Policy } from '../policy/policySchema.js';
import type { GovernedResource, WorkspaceResource } from '../policy/resources.js';
import { scopeOf } from '../policy/scope.js';
import { tagValueOf } from '../policy/tags.js';
import { createAuditTrail, type AuditSource, type AuditTrail } from './auditTrail.js';
import type { EventOutcome } from './routeEvent.js';
import type { Services } from './services.js';
import type { UseCaseContext } from './useCaseContext.js';

/** A compute in one of these states is mid-operation: ARM refuses writes, and its completion raises a new event. */
const TRANSITIONAL_STATES = new Set(['creating', 'updating', 'deleting']);

export interface GovernanceDeps {
  readonly policy: Policy;
  readonly arm: RemediationAdapter;
  readonly audit: AuditTrail;
  readonly telemetry: Telemetry;
  readonly now: () => Date;
  /** Resource-group tags for inheritance; a sweep caches them per group. Default: read through `arm`. */
  readonly resourceGroupTags?: (subscriptionId: string, resourceGroup: string) => Promise<Readonly<Record<string, string>>>;
}

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
  | 'deferred' // fixes held back: unfinished jobs or a compute mid-operation
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

/** Evaluates one freshly read resource and acts on it. Transient ARM failures are thrown; a permanent write failure is a `failed` result. */
export async function governResource(
  resource: GovernedResource,
  workspace: WorkspaceResource | undefined,
  deps: GovernanceDeps,
  options: GovernOptions,
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
  if (isEmptyPatch(patch)) {
    const outcome = deferred ? 'deferred' : 'violations';
    await deps.audit.record({ ...auditBase(resource, options, deps), outcome, findings: evaluation.findings, deferred, note: noteOf() });
    return { ...base, outcome, deferred, note: noteOf() };
  }

  let applied: AppliedChange | undefined;
  try {
    applied = await deps.arm.apply(resource, patch);
  } catch (error) {
    if (!isAppError(error) || error.transient) throw error;
    await deps.audit.record({ ...auditBase(resource, options, deps), outcome: 'failed', findings: evaluation.findings, deferred, note: error.message });
    return { ...base, outcome: 'failed', patch, deferred, note: error.message };
  }
  const rules = writing.map((finding) => finding.rule);
  await deps.audit.record({
    ...auditBase(resource, options, deps),
    outcome: 'remediated',
    findings: evaluation.findings,
    change: applied === undefined ? undefined : { ...applied, rules },
    deferred,
    note: noteOf(),
  });
  deps.telemetry.trackEvent('ResourceRemediated', { resourceType: resource.resourceType, rules: rules.join(','), source: options.source, via: applied?.via });
  return { ...base, outcome: 'remediated', patch, applied, deferred, note: noteOf() };
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

// ── wiring ──────────────────────────────────────────────────────────────────────────────────────

const depsByServices = new WeakMap<Services, GovernanceDeps>();

/** The governance ports built from the app's services (one set per services object). */
export function governanceDepsFor(services: Services, options: { readonly pacing?: ArmPacing } = {}): GovernanceDeps {
  const cached = options.pacing === undefined ? depsByServices.get(services) : undefined;
  if (cached) return cached;
  const requester = new ArmRequester({ clientFor: (subscriptionId) => services.arm(subscriptionId), pacing: options.pacing });
  const deps: GovernanceDeps = {
    policy: services.config.policy,
    arm: createRemediationAdapter({ armEndpoint: services.config.settings.armEndpoint, requester }),
    audit: createAuditTrail(services.state),
    telemetry: services.telemetry,
    now: () => new Date(),
  };
  if (options.pacing === undefined) depsByServices.set(services, deps);
  return deps;
}

/** The resource an event names, re-read; `undefined` (with the reason) when it is gone or unreadable for good. */
async function reread(
  arm: RemediationAdapter,
  location: { subscriptionId: string; resourceGroup: string; workspaceName: string },
  computeName: string | null,
): Promise<{ resource: GovernedResource; workspace: WorkspaceResource } | { gone: string }> {
  try {
    const workspace = await arm.readWorkspace(location);
    const resource: GovernedResource = computeName === null ? workspace : await arm.readCompute(location, computeName);
    return { resource, workspace };
  } catch (error) {
    if (isAppError(error) && (error.code === 'NotFound' || error.code === 'Forbidden')) return { gone: error.message };
    throw error;
  }
}

const NOT_GOVERNED: EventOutcome = { handled: false, reason: 'not an Azure ML workspace or compute' };

/** Whether a resource event is about a workspace or compute at all (most writes on a subscription topic are not). */
export function isGovernedResourceEvent(event: ResourceWriteSuccessEvent): boolean {
  return parseResourceReference(event.data.resourceUri || event.subject).kind !== 'other';
}

/** For events about other resources: nothing to read, nothing to build. */
export async function ignoreResourceEvent(): Promise<EventOutcome> {
  return NOT_GOVERNED;
}

/**
 * ResourceWriteSuccess on a workspace or compute: re-read, evaluate, remediate or record. A resource that is
 * gone (404) or unreadable (403) is logged and dropped; transient failures are thrown so Event Grid redelivers.
 * In a dry run nothing is written or recorded; the outcome says what would be.
 */
export async function enforceResource(event: ResourceWriteSuccessEvent, context: UseCaseContext, deps?: GovernanceDeps): Promise<EventOutcome> {
  const { log } = context;
  const resourceId = event.data.resourceUri || event.subject;
  const reference = parseResourceReference(resourceId);
  if (reference.workspace === null || reference.kind === 'other') return NOT_GOVERNED;
  const governance = deps ?? governanceDepsFor(context.services);
  const scope = scopeOf(reference.workspace, governance.policy);
  if (!scope.inScope) return { handled: false, reason: `out of scope: ${scope.reason}` };

  const read = await reread(governance.arm, reference.workspace, reference.computeName);
  if ('gone' in read) {
    log.warn(`Policy: ${resourceId} cannot be read any more; dropped (${read.gone})`);
    return { handled: false, reason: `resource unreadable: ${read.gone}` };
  }
  const result = await governResource(read.resource, read.resource.resourceType === 'compute' ? read.workspace : undefined, governance, {
    source: 'event',
    correlationId: event.id,
    dryRun: context.dryRun,
  });
  const summary = describeResult(result);
  if (result.outcome === 'failed') log.warn(`Policy: ${summary}`);
  else log.info(`Policy: ${summary}`, { eventId: event.id, outcome: result.outcome });
  return { handled: true, reason: summary };
}

/** One line for logs: `compute gpu-cluster: remediated (scaleSettings.minNodeCount → 0; …)`. */
function describeResult(result: GovernResult): string {
  const what = `${result.resourceType} ${result.name}`;
  switch (result.outcome) {
    case 'remediated':
    case 'wouldChange':
      return `${what}: ${result.outcome} (${describePatch(result.patch)})${result.note ? `; ${result.note}` : ''}`;
    case 'violations':
      return `${what}: ${result.findings.length} finding(s) recorded (${[...new Set(result.findings.map((f) => f.rule))].join(', ')})`;
    case 'exempt':
      return `${what}: exempt until ${result.exemptUntil ?? '?'}`;
    case 'deferred':
    case 'failed':
    case 'outOfScope':
      return `${what}: ${result.outcome}${result.note ? ` (${result.note})` : ''}`;
    case 'compliant':
      return `${what}: compliant`;
  }
}

