/**
 * The CD ledger's keys: exactly one run per (workspace, subject, target), where the subject is a model version
 * (`model:NAME:VERSION`) or a drift run (`drift:DETECTOR:RUN`). Claim → start the run → record its id and link →
 * done (`OnceLedger`).
 */
import { createHash } from 'node:crypto';
import type { OnceKey, OnceResult } from '../shared/onceLedger.js';
import type { CdRunStarted } from './ports.js';

export interface CdLedgerKey {
  /** The workspace's ARM id (compared case-insensitively, as ARM does). */
  readonly workspaceId: string;
  readonly subject: string;
  /** The policy's target name. */
  readonly target: string;
}

export function modelSubject(modelName: string, version: string): string {
  return `model:${modelName}:${version}`;
}

export function driftSubject(dataDriftId: string, runId: string): string {
  return `drift:${dataDriftId}:${runId}`;
}

/** A model monitor's alert window: one retraining per (monitor, window), however often Azure Monitor notifies. */
export function monitorAlertSubject(monitorName: string, windowStartTime: string, windowEndTime: string): string {
  return `monitor:${monitorName}:${windowStartTime}/${windowEndTime}`;
}

export function cdLedgerKey(key: CdLedgerKey): OnceKey {
  return { group: key.workspaceId.toLowerCase(), item: `${key.subject}|${key.target}` };
}

/**
 * The idempotency key of one run: the same for every attempt at (workspace, subject, target), whatever delivers the
 * event. Short, and made of letters, digits and `-` only, because targets carry it where little else fits: the start
 * of an Azure DevOps run name (a build number) and a GitHub run's title.
 */
export function runKeyOf(key: CdLedgerKey): string {
  return `amlw-${createHash('sha256').update(`${key.workspaceId.toLowerCase()}|${key.subject}|${key.target}`).digest('hex').slice(0, 32)}`;
}

export function runResult(run: CdRunStarted): OnceResult {
  return { ...(run.runId === undefined ? {} : { runId: run.runId }), ...(run.link === undefined ? {} : { link: run.link }) };
}
