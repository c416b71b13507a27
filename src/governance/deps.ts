import type { OnlineEndpointDeps } from '../onlineEndpoints/ports.js';
import type { JobGovernanceDeps } from '../jobs/governJob.js';
import type { Policy } from '../policy/policySchema.js';
import type { Telemetry } from '../shared/telemetry.js';
import type { OwnerNotice } from './ports.js';
import type { AuditTrail, GovernedResources, OwnerNoticeLedger, RemediationLedger } from './ports.js';

/** Everything governance runs with; `composition.ts` builds it (a sweep builds one per run, with its ARM pacing). */
export interface GovernanceDeps {
  readonly policy: Policy;
  readonly arm: GovernedResources;
  readonly audit: AuditTrail;
  readonly remediations: RemediationLedger;
  /** Tells a resource's owner what needs a person (on the policy's violations channel); absent when none is set. */
  readonly notifyOwner?: (notice: OwnerNotice) => Promise<void>;
  /** Findings already told to an owner, so the same ones are not told again on every write event. */
  readonly notices?: OwnerNoticeLedger;
  readonly telemetry: Telemetry;
  readonly now: () => Date;
  /** How long a write's long-running update is followed before it counts as accepted and unconfirmed. */
  readonly confirmWithinMs?: number;
  /** Online endpoints and deployments (`onlineEndpoints:`): judged on a deployment's write and by the sweep; absent: not read. */
  readonly onlineEndpoints?: OnlineEndpointDeps;
  /** Azure ML jobs (`jobs:`): judged on RunStatusChanged and by the sweep; absent: jobs are not read. */
  readonly jobs?: JobGovernanceDeps;
  /** Resource-group tags for inheritance; a sweep caches them per group. Default: read through `arm`. */
  readonly resourceGroupTags?: (subscriptionId: string, resourceGroup: string) => Promise<Readonly<Record<string, string>>>;
}
