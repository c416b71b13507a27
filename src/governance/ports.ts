/**
 * What governance (tagging and scaling policy, on write events and in sweeps) needs from the outside: the
 * workspaces and computes as ARM has them and the writes a fix needs, the audit trail, the remediation ledger (what
 * became of each fix), and a once-ledger for owner notices.
 */
import type { Finding, Patch, ScaleSettingsPatch } from '../policy/findings.js';
import type { ComputeResource, GovernedResource, WorkspaceResource } from '../policy/resources.js';
import type { OnceLedger } from '../shared/onceLedger.js';

// ── Azure ML resources ───────────────────────────────────────────────────────────────────────────────────────────

export interface WorkspaceLocation {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly workspaceName: string;
}

/** What one write did: which call, the resource's relevant state before and after, and whether Azure applied it. */
export interface AppliedChange {
  readonly via: 'clusterUpdate' | 'idleShutdownSetting' | 'tagsMerge';
  readonly patch: Patch;
  readonly before: PatchedFields;
  /** As read back once the write ended; `undefined` when it had not ended within the wait. */
  readonly after: PatchedFields | undefined;
  /** `applied`: the read-back shows the patch; `ignored`: Azure accepted the write and changed nothing it names; `unconfirmed`: still running. */
  readonly result: 'applied' | 'ignored' | 'unconfirmed';
}

export interface ApplyOptions {
  /** How long to follow a long-running update before returning it `unconfirmed`. */
  readonly waitMs: number;
}

/** The fields a patch can touch, as they were / are. */
export interface PatchedFields {
  readonly scaleSettings?: Partial<Record<keyof ScaleSettingsPatch, string | number | null>>;
  readonly idleTimeBeforeShutdown?: string | null;
  readonly tags?: Readonly<Record<string, string | null>>;
}

/** Azure ML workspaces and computes as ARM has them, and the one write a fix needs. */
export interface GovernedResources {
  readWorkspace(location: WorkspaceLocation): Promise<WorkspaceResource>;
  readCompute(location: WorkspaceLocation, computeName: string): Promise<ComputeResource>;
  /** Every compute of a workspace (all pages). */
  listComputes(location: WorkspaceLocation): Promise<ComputeResource[]>;
  /** A resource group's tags (for tag inheritance). */
  readResourceGroupTags(subscriptionId: string, resourceGroup: string): Promise<Readonly<Record<string, string>>>;
  /** Whether the workspace has a job in a non-terminal status that runs on this compute. */
  hasUnfinishedJobs(compute: ComputeResource): Promise<boolean>;
  /** Writes the patch in one call and reads the result back; an empty patch writes nothing and returns `undefined`. */
  apply(resource: GovernedResource, patch: Patch, options: ApplyOptions): Promise<AppliedChange | undefined>;
}

// ── The audit trail ──────────────────────────────────────────────────────────────────────────────────────────────

export type AuditSource = 'event' | 'sweep';

/** What came of evaluating one resource. */
export type AuditOutcome =
  | 'violations' // findings recorded, nothing written (audit mode, or nothing fixable)
  | 'remediated' // the patch was written
  | 'ineffective' // Azure accepted the patch and did not apply it; it is not written again
  | 'deferred' // a fix waits (unfinished jobs, a compute mid-operation, the same fix being written)
  | 'failed'; // the write failed

export interface AuditEntry {
  readonly resourceId: string;
  readonly resourceType: 'workspace' | 'compute' | 'onlineDeployment';
  readonly source: AuditSource;
  /** The event id or sweep run id. */
  readonly correlationId: string;
  readonly outcome: AuditOutcome;
  readonly findings: readonly Finding[];
  /** The change written, with the rules whose fixes it carries. */
  readonly change?: (AppliedChange & { readonly rules: readonly string[] }) | undefined;
  /** Fixes not written now, and why. */
  readonly deferred?: { readonly patch: Patch; readonly rules: readonly string[]; readonly reason: string } | undefined;
  readonly note?: string | undefined;
  readonly at: string;
}

export interface AuditTrail {
  record(entry: AuditEntry): Promise<void>;
  /** A resource's entries, newest first. */
  history(resourceId: string, limit?: number): Promise<AuditEntry[]>;
}

// ── The remediation ledger ───────────────────────────────────────────────────────────────────────────────────────

/** A delivery's right to write one patch to one resource. */
export interface RemediationClaim {
  readonly resourceId: string;
  readonly patch: Patch;
  readonly claimId: string;
  readonly version: string;
  /** Unconfirmed writes of this patch just before this one. */
  readonly unconfirmedBefore: number;
}

export type RemediationGate =
  /** Write the patch now, then `settle` the claim. */
  | { readonly kind: 'write'; readonly claim: RemediationClaim }
  /** Another delivery is writing this very patch. */
  | { readonly kind: 'inFlight'; readonly correlationId: string }
  /** This patch was written before and did not take: it is not written again. `firstSeen` says whether this call recorded that. */
  | { readonly kind: 'ineffective'; readonly firstSeen: boolean; readonly correlationId: string; readonly since: string };

/**
 * What became of each fix, per (resource, patch): a fix Azure accepts but does not apply is written once, recorded
 * as ineffective and never written again on the event its own write raises — so a write loop cannot happen.
 */
export interface RemediationLedger {
  /** Whether this delivery may write `patch` now. `lastModifiedAt` (the resource's, as just read) tells a person's write since ours from none. */
  open(resourceId: string, patch: Patch, correlationId: string, lastModifiedAt?: string): Promise<RemediationGate>;
  /** `false` when the claim was taken over meanwhile. */
  settle(claim: RemediationClaim, outcome: 'written' | 'applied' | 'ineffective', note?: string): Promise<boolean>;
  /** Gives the claim back without a write (a transient failure): the next delivery writes. */
  release(claim: RemediationClaim): Promise<boolean>;
}

/** Findings told to owners: once per resource and set of findings. */
export type OwnerNoticeLedger = OnceLedger;

/** What a resource's owner is told: which resource, and what needs them. */
export interface OwnerNotice {
  readonly resource: GovernedResource;
  readonly workspace: WorkspaceResource | undefined;
  readonly owner: string | undefined;
  readonly title: string;
  readonly text: string;
  readonly findings?: readonly Finding[];
  readonly correlationId: string;
}
