/**
 * What failed-run and lifecycle notifications need from the outside: the job and workspace as Azure ML has them
 * now, one message per event (a once-ledger), and burst windows that fold a storm of failures into one message.
 */
import type { WorkspaceReference } from '../events/domainEvent.js';
import type { OnceLedger } from '../shared/onceLedger.js';

type StringMap = Readonly<Record<string, string>>;

/** A job (run) as Azure ML records it. */
export interface RunRecord {
  readonly name: string;
  readonly displayName: string | undefined;
  readonly jobType: string;
  readonly experimentName: string | undefined;
  readonly status: string | undefined;
  readonly tags: StringMap;
  /** The pipeline job this one ran in, for pipeline steps. */
  readonly parentJobName: string | undefined;
  /** The job's own studio link, when Azure ML reports one. */
  readonly studioEndpoint: string | undefined;
  /** The error Azure ML recorded for the job, if any. */
  readonly errorText: string | undefined;
  readonly createdBy: string | undefined;
}

/** A missing resource is `undefined`; other failures are AppErrors (transient ones are retried). */
export interface RunRecords {
  job(workspace: WorkspaceReference, name: string): Promise<RunRecord | undefined>;
  /** The workspace's tags (for its owner). */
  workspaceTags(workspace: WorkspaceReference): Promise<StringMap | undefined>;
}

/** Flushes of closed burst windows, due when a window closes (a delayed queue message). */
export interface FlushSchedule {
  /** Asks for a flush at `at` or soon after. */
  flushAfter(at: Date): Promise<void>;
}

/** One notification per (event, purpose). */
export type NotificationLedger = OnceLedger;

// ── Burst windows ────────────────────────────────────────────────────────────────────────────────────────────────

export interface BurstKey {
  readonly workspaceId: string;
  readonly experimentName: string;
  readonly channel: string;
}

/** The failure being counted: what a later summary says about the window's latest failure. */
export interface BurstFailure {
  readonly workspaceName: string;
  readonly jobName: string;
  readonly errorText: string | undefined;
  readonly studioLink: string;
}

export type BurstDecision =
  /** Send a message now; `previousFolded` failures of the last window were never reported. */
  | { readonly send: true; readonly previousFolded: number; readonly previousWindowStart: string | undefined; readonly windowEnd: string }
  /** Counted into the open window: `count` failures so far. */
  | { readonly send: false; readonly count: number; readonly windowEnd: string };

/** A closed window with folded failures nobody reported yet, claimed by one flusher. */
export interface FlushClaim {
  readonly key: BurstKey;
  /** The version of the window this flusher wrote; settling checks it still holds. */
  readonly version: string;
  readonly workspaceId: string;
  readonly workspaceName: string;
  readonly experimentName: string;
  readonly channel: string;
  /** Failures folded behind the window's first one. */
  readonly folded: number;
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly leaderEventId: string;
  readonly lastJobName: string | undefined;
  readonly lastErrorText: string | undefined;
  readonly lastStudioLink: string | undefined;
}

/**
 * One window per (workspace, experiment, channel). The first failure opens it and is sent at once; failures while
 * it is open are counted, not sent. Once it closes, its folded failures are reported exactly once: by the flush as
 * one summary, or — if a new failure opens the next window first — in that failure's message.
 */
export interface BurstWindows {
  /** Counts one failure into its window and says whether it gets a message. A redelivered leader is sent again until sent. */
  admit(key: BurstKey, eventId: string, now: Date, windowMs: number, failure: BurstFailure): Promise<BurstDecision>;
  /** Records that the window's leader message went out. */
  markSent(key: BurstKey, eventId: string): Promise<void>;
  /** Claims each window closed before `now` with unreported folded failures; of several flushers one wins each. */
  claimClosed(now: Date, leaseMs?: number): AsyncIterable<FlushClaim>;
  /** `false` when the claim lapsed and someone else took the window. */
  markFlushed(claim: FlushClaim): Promise<boolean>;
  /** Gives the window back after a failed send, so the next flush (or the next failure's message) reports it. */
  releaseFlush(claim: FlushClaim): Promise<boolean>;
}
