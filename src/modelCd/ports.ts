/**
 * What model CD (and drift retraining) needs from the outside: the CD targets, the model versions and jobs as
 * Azure ML has them now, the CD ledger and the per-version decisions. Adapters implement these; the use cases see
 * nothing else.
 */
import type { WorkspaceReference } from '../events/domainEvent.js';
import type { CdTarget } from '../policy/policySchema.js';
import type { OnceLedger } from '../shared/onceLedger.js';

// ── CD targets ─────────────────────────────────────────────────────────────────────────────────────────────────
// What every CD target (Azure DevOps, GitHub Actions, signed webhook) offers: start one run for one request, find a
// run started earlier for the same request, and describe itself without secrets. Failures are AppErrors:
// `UpstreamTransient` (timeouts, 408/429/5xx: worth retrying) or `UpstreamPermanent` / `ConfigurationError` (the
// target refused, or the configuration is wrong: never retried).

export type CdParameterValue = string | number | boolean;

export interface CdRunRequest {
  /** The event that caused the run, for correlation (sent where the target accepts free-form fields). */
  readonly eventId: string;
  /** Named values the run receives: Azure DevOps `templateParameters`, GitHub `inputs`, the webhook's `parameters`. */
  readonly parameters: Readonly<Record<string, CdParameterValue>>;
  /**
   * The same for every attempt at one run (`runKeyOf`): each target receives it in the way it can be searched by
   * — Azure DevOps as the `idempotencyKey` parameter its run name starts with, GitHub as the `idempotency_key` input
   * its `run-name` shows, a webhook as its `webhook-id`.
   */
  readonly idempotencyKey: string;
}

export interface CdRunStarted {
  /** The run's id at the target, when the target returns one. */
  readonly runId: string | undefined;
  /** Where a person can watch the run. */
  readonly link: string | undefined;
  /**
   * Set when the target started a run it may not be able to find again by its key (a pipeline or workflow whose run
   * name lacks it): why, and what to change. After a lost answer, such a run could be started twice.
   */
  readonly notFindable?: string;
}

export type RunLookup =
  /** A run carrying the key exists: it is the one to record, and no other is started. */
  | { readonly kind: 'found'; readonly run: CdRunStarted }
  | { readonly kind: 'none' }
  /** The target cannot be asked; it deduplicates by the key itself (a Standard Webhooks receiver). */
  | { readonly kind: 'unsupported' };

export interface CdTargetAdapter {
  /** `azureDevOps`, `githubActions` or `webhook`. */
  readonly kind: string;
  /** e.g. `Azure DevOps contoso/mlops pipeline 1`: safe to log (no secrets, no webhook URLs). */
  readonly description: string;
  startRun(request: CdRunRequest): Promise<CdRunStarted>;
  /** A run started for `idempotencyKey` since `since` (an earlier attempt whose answer was lost), if the target knows one. */
  findRun(idempotencyKey: string, since: Date): Promise<RunLookup>;
}

/** The target a policy's `cd.targets` entry names. */
export interface CdTargets {
  forTarget(target: CdTarget): CdTargetAdapter;
}

// ── Azure ML, re-read (never taken from an event's payload) ───────────────────────────────────────────────────────

type StringMap = Readonly<Record<string, string>>;

export interface ModelVersionRecord {
  readonly name: string;
  readonly version: string;
  readonly tags: StringMap;
  /** The job that produced the version, when ARM records one. */
  readonly jobName: string | undefined;
}

/** The job that produced a model version, or its pipeline parent. */
export interface ProducingJob {
  readonly name: string;
  readonly experimentName: string | undefined;
  readonly tags: StringMap;
  /** The pipeline job this one ran in, for pipeline steps. */
  readonly parentJobName: string | undefined;
}

/** A missing resource is `undefined`; other failures are AppErrors (transient ones are retried). */
export interface ModelRegistry {
  modelVersion(workspace: WorkspaceReference, name: string, version: string): Promise<ModelVersionRecord | undefined>;
  job(workspace: WorkspaceReference, name: string): Promise<ProducingJob | undefined>;
  workspaceExists(workspace: WorkspaceReference): Promise<boolean>;
}

// ── The CD ledger and the per-version decisions ──────────────────────────────────────────────────────────────────

/** Exactly one run per (workspace, subject, target): a once-ledger keyed by `cdLedgerKey`. */
export type CdLedger = OnceLedger;

export interface CdDecisionKey {
  readonly workspaceId: string;
  /** `modelSubject(name, version)`. */
  readonly subject: string;
}

export type CdDecision =
  | { readonly outcome: 'skipped'; readonly reason: string; readonly eventId: string }
  | { readonly outcome: 'matched'; readonly targets: readonly { readonly target: string; readonly rule: string }[]; readonly eventId: string };

/** The right to decide a version, won by one delivery. */
export interface DecisionClaim {
  readonly key: CdDecisionKey;
  readonly claimId: string;
  readonly version: string;
  readonly policyFingerprint: string;
}

export type DecisionGate =
  /** This delivery decides: re-read ARM, then `record` (or `release` when it cannot). */
  | { readonly kind: 'decide'; readonly claim: DecisionClaim }
  /** Decided under the current policy. */
  | { readonly kind: 'decided'; readonly decision: CdDecision }
  /** Another delivery is still deciding after the wait: take the full path without recording. */
  | { readonly kind: 'undecided' };

/** A version's decision record as stored, read back for people (an API); never what a delivery decides by. */
export interface CdDecisionEntry {
  /** The workspace's ARM id, lower-cased as the record is keyed. */
  readonly workspaceId: string;
  readonly subject: string;
  /** `deciding` (held until `leaseUntil`), `released` (given back without a decision: `reason` says why), `decided`. */
  readonly status: 'deciding' | 'released' | 'decided';
  /** Present when `decided`. */
  readonly decision: CdDecision | undefined;
  /** Why a `released` record was given back. */
  readonly reason: string | undefined;
  /** The delivery that decided, or holds or last held the record. */
  readonly eventId: string;
  readonly leaseUntil: string;
  readonly updatedAt: string;
}

/**
 * Per-version CD decisions: which targets a model version goes to, or why it is skipped, as decided by the one
 * delivery that re-read it from ARM. Duplicates answer from it (and the ledger) without reading ARM. A decision
 * holds for the policy it was made under (`policyFingerprint`).
 */
export interface CdDecisions {
  open(key: CdDecisionKey, eventId: string, policyFingerprint: string): Promise<DecisionGate>;
  /** `false` when the claim was taken over meanwhile (the taker records its own). */
  record(claim: DecisionClaim, decision: CdDecision): Promise<boolean>;
  /** Gives the claim back without a decision: the next delivery decides. */
  release(claim: DecisionClaim, reason: string): Promise<boolean>;
  /**
   * The records of subjects starting with `subjectPrefix`, in every workspace, most recently updated first, at most
   * `limit` of them. Reads every such record: Table Storage keeps no index by time.
   */
  recent(subjectPrefix: string, limit: number): Promise<readonly CdDecisionEntry[]>;
}
