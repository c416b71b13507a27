/**
 * ResourceWriteSuccess on a workspace or compute → governance. The event is only a hint: the resource is re-read
 * from ARM and governed as it is now (`governResource`).
 */
import type { EventOutcome, ResourceWriteSuccessEvent } from '../events/domainEvent.js';
import { parseResourceReference } from '../events/resourceReference.js';
import { isAppError } from '../errors.js';
import { describePatch } from '../policy/evaluate.js';
import type { GovernedResource, WorkspaceResource } from '../policy/resources.js';
import { scopeOf } from '../policy/scope.js';
import type { RunContext } from '../shared/useCaseContext.js';
import type { GovernanceDeps } from './deps.js';
import { governResource, type GovernResult } from './governResource.js';
import type { GovernedResources } from './ports.js';

/** The resource an event names, re-read; `undefined` (with the reason) when it is gone or unreadable for good. */
async function reread(
  arm: GovernedResources,
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
 * gone (404) or unreadable (403) leaves nothing to govern and is acknowledged; transient failures are thrown so Event Grid redelivers.
 * In a dry run nothing is written or recorded; the outcome says what would be.
 */
export async function enforceResource(governance: GovernanceDeps, event: ResourceWriteSuccessEvent, context: RunContext): Promise<EventOutcome> {
  const { log } = context;
  const resourceId = event.data.resourceUri || event.subject;
  const reference = parseResourceReference(resourceId);
  if (reference.workspace === null || reference.kind === 'other') return NOT_GOVERNED;
  const scope = scopeOf(reference.workspace, governance.policy);
  if (!scope.inScope) return { handled: false, reason: `out of scope: ${scope.reason}` };

  const read = await reread(governance.arm, reference.workspace, reference.computeName);
  if ('gone' in read) {
    log.warn(`Policy: cannot be read any more, nothing to govern (${read.gone})`);
    return { handled: false, reason: `resource unreadable: ${read.gone}` };
  }
  const result = await governResource(read.resource, read.resource.resourceType === 'compute' ? read.workspace : undefined, governance, {
    source: 'event',
    correlationId: event.id,
    dryRun: context.dryRun,
  });
  const summary = describeResult(result);
  if (result.outcome === 'failed') log.warn(`Policy: ${summary}`);
  else log.info(`Policy: ${summary}`);
  return { handled: true, reason: summary };
}

/** One line for logs: `compute gpu-cluster: remediated (scaleSettings.minNodeCount → 0; …)`. */
function describeResult(result: GovernResult): string {
  const what = `${result.resourceType} ${result.name}`;
  switch (result.outcome) {
    case 'remediated':
    case 'ineffective':
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

