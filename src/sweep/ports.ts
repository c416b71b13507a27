/**
 * What the compliance sweep needs from the outside besides governance itself: the workspaces of the subscriptions
 * (Resource Graph), the run ledger that carries a sweep across queue messages (the run, one slice per subscription,
 * each finished workspace), the queue its slices travel on, and where its reports are stored.
 */
import * as z from 'zod';
import { RELATIONS, SEVERITIES } from '../policy/findings.js';
import type { Mode } from '../policy/policySchema.js';
import type { WorkspaceResource } from '../policy/resources.js';
import type { SweepReport, WorkspaceSweepResult } from './sweepReport.js';

/** The kinds of resource a report line is about. */
export const REPORT_RESOURCE_TYPES = ['workspace', 'compute', 'onlineEndpoint', 'onlineDeployment', 'job'] as const;
export type ReportResourceType = (typeof REPORT_RESOURCE_TYPES)[number];

const findingValue = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string())]);

/**
 * The fields of a report line's finding and of a report line: one shape for the ledger's stored rows and for the
 * HTTP API's schema, each of which adds its own defaults and descriptions.
 */
export const reportFindingFields = {
  rule: z.string(),
  severity: z.enum(SEVERITIES),
  expected: findingValue,
  actual: findingValue,
  relation: z.enum(RELATIONS),
  fixable: z.boolean(),
  advice: z.string().optional(),
};

export const reportLineFields = {
  resourceId: z.string(),
  resourceType: z.enum(REPORT_RESOURCE_TYPES),
  name: z.string(),
  workspaceName: z.string(),
  subscriptionId: z.string(),
  owner: z.string().optional(),
  outcome: z.string(),
  rules: z.array(z.string()),
  change: z.string().optional(),
  note: z.string().optional(),
};

/** A page of workspaces; rows that are not workspaces' shape are reported, not thrown. */
export interface WorkspacePage {
  readonly workspaces: readonly WorkspaceResource[];
  readonly unreadable: readonly { readonly id: string; readonly problem: string }[];
}

/** A subscription that cannot be swept, and why (not found, no access, disabled). */
export interface SubscriptionProblem {
  readonly subscriptionId: string;
  readonly problem: string;
}

export interface WorkspaceInventory {
  /** Every workspace in the subscriptions, page by page. */
  list(subscriptions: readonly string[]): AsyncIterable<WorkspacePage>;
  /** The subscriptions that cannot be swept: Resource Graph would leave them out without a word. */
  unreadableSubscriptions(subscriptions: readonly string[]): Promise<readonly SubscriptionProblem[]>;
}

/** A planned sweep: what it covers and how it runs. */
export interface SweepRun {
  readonly runId: string;
  readonly status: 'Running' | 'Completed';
  /** Which runs are the same sweep: same subscriptions, same mode. */
  readonly runKey: string;
  readonly startedAt: string;
  /** `policy`: each rule's own mode. */
  readonly mode: Mode | 'policy';
  readonly subscriptions: readonly string[];
  /** Send the summary to the violations channel when the run completes. */
  readonly notify: boolean;
  /** Store the report with the others (`aml-warden report list`) when the run completes. */
  readonly store: boolean;
  /** When the last slice closed the run. */
  readonly finishedAt?: string | undefined;
}

/** A workspace whose last attempt in a slice failed transiently: reported as failed if the slice ends in the poison queue. */
export interface FailingWorkspace {
  readonly workspaceId: string;
  readonly workspaceName: string;
  readonly error: string;
}

/**
 * One subscription's chain of messages. `seq` is the number of the one message that may work on it now: a
 * message that carries another number is a duplicate or a leftover, and does nothing.
 */
export interface SweepSlice {
  readonly subscriptionId: string;
  readonly seq: number;
  readonly status: 'Running' | 'Done';
  readonly failing: readonly FailingWorkspace[];
  /** Workspaces Resource Graph listed in this subscription when the run was planned. */
  readonly workspacesPlanned: number;
  /** Workspaces finished in this subscription, as of the last step. */
  readonly workspacesDone: number;
  readonly updatedAt: string;
}

/** What a step writes to its slice. */
export type SliceStep = Pick<SweepSlice, 'seq' | 'status' | 'failing' | 'workspacesDone'>;

export interface SweepLedger {
  /** The newest unfinished run with this key started within a day, if any. */
  openRun(runKey: string, now: Date): Promise<SweepRun | undefined>;
  /**
   * Writes a new run: the workspaces Resource Graph listed per subscription (lower-cased id → workspaces), so
   * slices read their work from the ledger rather than query Resource Graph again, and one slice per
   * subscription at `seq` 0.
   */
  startRun(plan: Pick<SweepRun, 'runKey' | 'mode' | 'subscriptions' | 'notify' | 'store'>, workspaces: ReadonlyMap<string, readonly WorkspaceResource[]>, now: Date): Promise<SweepRun>;
  /** The workspaces planned for one subscription of the run. */
  plannedWorkspaces(run: SweepRun, subscriptionId: string): Promise<readonly WorkspaceResource[]>;
  run(runId: string, startedAt: string): Promise<SweepRun | undefined>;
  /** The run with this id, wherever it is in the ledger (a query, where `run` is a point read). */
  findRun(runId: string): Promise<SweepRun | undefined>;
  slices(run: SweepRun): Promise<readonly SweepSlice[]>;
  /**
   * Moves a slice on from `fromSeq` to `next`, conditionally: `false` when the slice is no longer at `fromSeq`
   * (another message moved it first), so of two messages that race, one goes on.
   */
  moveSlice(run: SweepRun, subscriptionId: string, fromSeq: number, next: SliceStep, now: Date): Promise<boolean>;
  /** The results recorded in the run, by lower-cased workspace id; of one subscription when given. */
  results(run: SweepRun, subscriptionId?: string): Promise<ReadonlyMap<string, WorkspaceSweepResult>>;
  /** Records finished (or finally failed) workspaces of one subscription, so no later message sweeps them again. */
  record(run: SweepRun, results: readonly WorkspaceSweepResult[], now: Date): Promise<void>;
  /** Closes the run; `false` when it was closed already (by another slice finishing at the same time). */
  complete(run: SweepRun, finishedAt: Date): Promise<boolean>;
}

/** Where a slice's next message is sent. */
export interface SweepSliceQueue {
  send(message: SweepSliceMessage, options?: { readonly delaySeconds?: number }): Promise<void>;
}

/** The message that moves one subscription's slice on. */
export interface SweepSliceMessage {
  readonly runId: string;
  readonly startedAt: string;
  readonly subscriptionId: string;
  readonly seq: number;
}

export interface SweepReportStore {
  save(report: SweepReport): Promise<void>;
  /** The newest stored report. */
  latest(): Promise<SweepReport | undefined>;
  /** The report of one run. */
  find(runId: string, startedAt: string): Promise<SweepReport | undefined>;
  /** The report of the run with this id (a query, where `find` is a point read). */
  findById(runId: string): Promise<SweepReport | undefined>;
  /** The newest reports, newest first, without their lines. */
  list(limit: number): Promise<readonly StoredReportSummary[]>;
}

/** What `aml-warden report list` shows of a stored report. */
export type StoredReportSummary = Omit<SweepReport, 'lines' | 'problems' | 'violationsByRule' | 'violationsByOwner'> & { readonly problems: number };

export type { OutcomeCounts, ReportLine, SweepReport, WorkspaceSweepResult } from './sweepReport.js';
