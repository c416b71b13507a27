/**
 * The CD ledger: exactly one run per (workspace, subject, target), where the subject is a model version
 * (`model:NAME:VERSION`) or a drift run (`drift:DETECTOR:RUN`). Claim → start the run → record its id and link
 * → done; the lease and takeover rules are `OnceLedger`'s (a stale claim is retried after DEFAULT_LEASE_MS).
 */
import { createHash } from 'node:crypto';
import type { CdRunStarted } from './cdTargetPort.js';
import { toKey, type EntityKeys, type StateStore } from '../adapters/tables/tableState.js';
import { createOnceLedger, type OnceLedger, type OnceLedgerOptions, type OnceResult } from '../adapters/tables/onceLedger.js';

export const CD_LEDGER_TABLE = 'cdledger';

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

export function cdLedgerKeys(key: CdLedgerKey): EntityKeys {
  return { partitionKey: toKey(key.workspaceId.toLowerCase()), rowKey: toKey(`${key.subject}|${key.target}`) };
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

export function createCdLedger(state: StateStore, options: OnceLedgerOptions = {}): OnceLedger {
  return createOnceLedger(state, CD_LEDGER_TABLE, options);
}
