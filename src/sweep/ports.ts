/**
 * What the compliance sweep needs from the outside besides governance itself: the workspaces of the subscriptions
 * (Resource Graph), where a run's progress is kept so a sweep too big for one invocation resumes, and where its
 * reports are stored.
 */
import type { WorkspaceResource } from '../policy/resources.js';
import type { SweepReport, WorkspaceSweepResult } from './sweepReport.js';

/** A page of workspaces; rows that are not workspaces' shape are reported, not thrown. */
export interface WorkspacePage {
  readonly workspaces: readonly WorkspaceResource[];
  readonly unreadable: readonly { readonly id: string; readonly problem: string }[];
}

export interface WorkspaceInventory {
  /** Every workspace in the subscriptions, page by page. */
  list(subscriptions: readonly string[]): AsyncIterable<WorkspacePage>;
}

export interface SweepRun {
  readonly runId: string;
  readonly status: 'Running' | 'Completed';
  /** Which runs may resume one another: same subscriptions, same mode. */
  readonly runKey: string;
  readonly startedAt: string;
}

export interface SweepLedger {
  /** An open run with this key to resume (with the workspaces it finished), or a new one. */
  open(runKey: string, now: Date, resume: boolean): Promise<{ readonly run: SweepRun; readonly done: ReadonlyMap<string, WorkspaceSweepResult> }>;
  /** Records a finished workspace, so a resumed run skips it. */
  record(runId: string, result: WorkspaceSweepResult, now: Date): Promise<void>;
  /** Closes the run; `false` when it was closed already (by another invocation finishing at the same time). */
  complete(run: SweepRun): Promise<boolean>;
}

export interface SweepReportStore {
  save(report: SweepReport): Promise<void>;
  /** The newest stored report. */
  latest(): Promise<SweepReport | undefined>;
}

export type { OutcomeCounts, ReportLine, SweepReport, WorkspaceSweepResult } from './sweepReport.js';
