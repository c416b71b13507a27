/**
 * The one way state changes in the tables: read a record, decide, write it back only if nobody else wrote it in
 * between (insert-if-absent when there was none, ETag-conditional replace when there was), and on a lost race read
 * again. Every ledger, claim and lease in the app is built on it: the CD ledger and event dedup (`onceLedger`), CD
 * decisions, burst windows, the remediation ledger and sweep runs. Instances agree through these conditional
 * writes only, never through memory.
 *
 * A lease is a claim with an expiry (`leaseUntil`): its holder acts, then settles it; a holder that died is taken
 * over once the lease has lapsed, with the same conditional write, so of several takers one wins.
 */
import { AppError, isAppError } from '../../errors.js';
import type { EntityKeys, StateTable, StoredEntity } from './tableState.js';

/** What a decision on a record's current state asks for. */
export type RecordStep<T, R> =
  /** Write this (insert when there was no record, replace at the ETag read otherwise); then `result` with the new ETag. */
  | { readonly write: T & EntityKeys; readonly result: (etag: string) => R }
  /** Nothing to write: this is the answer. */
  | { readonly answer: R }
  /** Someone else is at work on it: read again after `pauseMs` (or give up when the rounds run out). */
  | { readonly wait: number };

export interface UpdateOptions<R> {
  /** How many reads before giving up. */
  readonly rounds: number;
  /** The answer when the rounds run out (or throw). */
  readonly exhausted: () => R | Promise<R>;
  /** Pause after a lost race, by round; default a short random one, so contenders do not collide in lockstep. */
  readonly backoffMs?: (round: number) => number;
}

const randomBackoff = (round: number): number => Math.random() * Math.min(10 * (round + 1), 200);

function pause(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
}

/** Reads, decides and writes conditionally until a write wins, an answer is found, or the rounds run out. */
export async function updateRecord<T extends object, R>(
  table: StateTable<T>,
  keys: EntityKeys,
  decide: (current: StoredEntity<T> | undefined, round: number) => RecordStep<T, R> | Promise<RecordStep<T, R>>,
  options: UpdateOptions<R>,
): Promise<R> {
  for (let round = 0; round < options.rounds; round += 1) {
    const current = await table.get(keys.partitionKey, keys.rowKey);
    const step = await decide(current, round);
    if ('answer' in step) return step.answer;
    if ('wait' in step) {
      await pause(step.wait);
      continue;
    }
    if (current === undefined) {
      const inserted = await table.insert(step.write);
      if (inserted !== false) return step.result(inserted.etag);
    } else {
      try {
        return step.result(await table.replace(step.write, current.etag));
      } catch (error) {
        if (!isConflict(error)) throw error;
      }
    }
    await pause((options.backoffMs ?? randomBackoff)(round));
  }
  return await options.exhausted();
}

/**
 * Writes `change` into a record this caller holds at `etag` (a claim it won): `false` when someone else wrote it
 * since — the claim was taken over — so the caller knows its outcome was not the one recorded.
 */
export async function settleRecord<T extends object>(table: StateTable<T>, keys: EntityKeys, etag: string, change: Partial<T>): Promise<string | false> {
  try {
    return await table.merge({ ...change, ...keys }, etag);
  } catch (error) {
    if (isConflict(error)) return false;
    throw error;
  }
}

export function isConflict(error: unknown): boolean {
  return isAppError(error) && error.code === 'Conflict';
}

/** A lease's expiry, as stored. */
export function leaseUntil(now: Date, leaseMs: number): string {
  return new Date(now.getTime() + leaseMs).toISOString();
}

/** Whether a lease that runs until `until` still holds at `now` (a missing or unreadable one does not). */
export function leaseHolds(until: string | undefined, now: Date): boolean {
  if (until === undefined) return false;
  const end = Date.parse(until);
  return Number.isFinite(end) && end > now.getTime();
}

/** A record stayed contended past every round: transient, so the delivery is retried later. */
export function contended(what: string, module: string): AppError {
  return new AppError('UpstreamTransient', `${what} stayed contended; retrying later`, { module });
}
