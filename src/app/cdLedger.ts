/**
 * The CD ledger: exactly one run per (workspace, subject, target), where the subject is a model version
 * (`model:NAME:VERSION`) or a drift run (`drift:DETECTOR:RUN`). Claim → start the run → record its id and link
 * → done; the lease and takeover rules are `OnceLedger`'s (a stale claim is retried after DEFAULT_LEASE_MS).
 */
import type { CdRunStarted } from '../integrations/cd/cdTarget.js';
import { toKey, type EntityKeys, type StateStore } from '../integrations/tableState.js';
import { createOnceLedger, type OnceLedger, type OnceLedgerOptions, type OnceResult } from './eventDedup.js';

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

/** A stable identifier of one run request across redeliveries (sent to targets that accept one). */
export function idempotencyKeyOf(key: CdLedgerKey): string {
  return `${key.workspaceId.toLowerCase()}|${key.subject}|${key.target}`;
}

export function runResult(run: CdRunStarted): OnceResult {
  return { ...(run.runId === undefined ? {} : { runId: run.runId }), ...(run.link === undefined ? {} : { link: run.link }) };
}

export function createCdLedger(state: StateStore, options: OnceLedgerOptions = {}): OnceLedger {
  return createOnceLedger(state, CD_LEDGER_TABLE, options);
}
