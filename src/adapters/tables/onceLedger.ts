/**
 * "Once per key" in Table Storage, shared by the CD ledger and notification dedup: claim → act → done.
 *
 * - The claim is an insert-if-absent, so of any number of concurrent deliveries exactly one wins.
 * - A claim is a lease: if its holder crashed, the claim goes stale after `leaseMs` and the next delivery
 *   takes it over with an ETag-conditional replace (again, one winner).
 * - A transient failure releases the claim (the next delivery retries at once); a permanent one is recorded
 *   as `failed` and never retried; success is recorded as `done` with its result.
 * - A delivery that finds a live claim waits a moment for the holder (`claimOrWait`, `settledOrWait`): most finish
 *   within a fraction of a second, and their outcome settles this delivery too. A holder still at work after the
 *   wait may yet fail or crash, so this delivery is not acknowledged: it fails as transient and Event Grid
 *   redelivers it later, when the run is done or the claim has gone stale and can be taken over.
 *
 * Nothing here lives in memory: instances agree only through the table's conditional writes.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AppError, isAppError } from '../../errors.js';
import { toKey, type EntityKeys, type StateStore, type StateTable } from './tableState.js';

/**
 * Five minutes. An attempt makes a few calls, each bounded by the outbound timeout (10 s by default), so a live
 * holder finishes well within it; Event Grid redelivers a failed or unanswered delivery after 10 s, 30 s, 1 min,
 * 5 min, 10 min, 30 min and then hourly for 24 h, so a crashed holder's claim is taken over by a later retry.
 */
export const DEFAULT_LEASE_MS = 5 * 60_000;

const entitySchema = z.object({
  status: z.enum(['claimed', 'released', 'done', 'failed']),
  claimId: z.string(),
  leaseUntil: z.string(),
  attempts: z.number(),
  eventId: z.string(),
  updatedAt: z.string(),
  result: z.string().optional(),
  error: z.string().optional(),
});

export type OnceEntity = z.infer<typeof entitySchema>;
export type OnceResult = Readonly<Record<string, string>>;

export interface OnceClaim {
  readonly kind: 'claimed';
  readonly keys: EntityKeys;
  readonly claimId: string;
  readonly etag: string;
  /** 1 for the first attempt, more when a released or stale claim was taken over. */
  readonly attempt: number;
}

export type OnceState =
  | OnceClaim
  | { readonly kind: 'done'; readonly result: OnceResult; readonly eventId: string }
  | { readonly kind: 'failed'; readonly error: string; readonly eventId: string }
  | { readonly kind: 'inProgress'; readonly leaseUntil: string; readonly eventId: string };

/** How a key ended for a delivery that must not act: started or sent (`done`), or failed for good. */
export type OnceSettled = Extract<OnceState, { kind: 'done' | 'failed' }>;

/** How long a delivery waits for a live holder before failing as transient. */
export const HOLDER_WAIT_MS = 3_000;

export interface OnceLedgerOptions {
  readonly leaseMs?: number;
  /** Clock (tests). */
  readonly now?: () => Date;
}

const MAX_CLAIM_ROUNDS = 4;

export class OnceLedger {
  readonly #table: StateTable<OnceEntity>;
  readonly #leaseMs: number;
  readonly #now: () => Date;

  constructor(table: StateTable<OnceEntity>, options: OnceLedgerOptions = {}) {
    this.#table = table;
    this.#leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.#now = options.now ?? (() => new Date());
  }

  /** Claims the key for `eventId`, or says who has it and how it ended. */
  async claim(keys: EntityKeys, eventId: string): Promise<OnceState> {
    for (let round = 0; round < MAX_CLAIM_ROUNDS; round += 1) {
      const fresh = this.#claimEntity(keys, eventId, 1);
      const inserted = await this.#table.insert(fresh);
      if (inserted !== false) return { kind: 'claimed', keys, claimId: fresh.claimId, etag: inserted.etag, attempt: 1 };
      const stored = await this.#table.get(keys.partitionKey, keys.rowKey);
      if (stored === undefined) continue;
      const state = this.#stateOf(stored.entity);
      if (state !== undefined) return state;
      // Released, or a stale claim whose holder is gone: take it over, if nobody else does first.
      const takeover = this.#claimEntity(keys, eventId, stored.entity.attempts + 1);
      try {
        const etag = await this.#table.replace(takeover, stored.etag);
        return { kind: 'claimed', keys, claimId: takeover.claimId, etag, attempt: takeover.attempts };
      } catch (error) {
        if (isAppError(error) && error.code === 'Conflict') continue;
        throw error;
      }
    }
    const stored = await this.#table.get(keys.partitionKey, keys.rowKey);
    return { kind: 'inProgress', leaseUntil: stored?.entity.leaseUntil ?? this.#now().toISOString(), eventId: stored?.entity.eventId ?? eventId };
  }

  /**
   * Claims the key; a live holder is given `waitMs` to finish. Its outcome settles this delivery; if it gives up
   * (releases, or its lease lapses) this delivery claims. Still held after the wait → `UpstreamTransient`.
   */
  async claimOrWait(keys: EntityKeys, eventId: string, waitMs: number = HOLDER_WAIT_MS): Promise<OnceClaim | OnceSettled> {
    const deadline = performance.now() + waitMs;
    for (let pause = 50; ; pause = Math.min(pause * 2, 400)) {
      const state = await this.claim(keys, eventId);
      if (state.kind !== 'inProgress') return state;
      if (performance.now() + pause > deadline) throw stillHeld(state);
      await sleep(pause);
    }
  }

  /**
   * `settled`, giving a live holder `waitMs` to finish: its outcome, or `undefined` when this delivery must act
   * (never claimed, released, stale). Still held after the wait → `UpstreamTransient`.
   */
  async settledOrWait(keys: EntityKeys, waitMs: number = HOLDER_WAIT_MS): Promise<OnceSettled | undefined> {
    const deadline = performance.now() + waitMs;
    for (let pause = 50; ; pause = Math.min(pause * 2, 400)) {
      const state = await this.settled(keys);
      if (state?.kind !== 'inProgress') return state;
      if (performance.now() + pause > deadline) throw stillHeld(state);
      await sleep(pause);
    }
  }

  /**
   * The key's state when it already settles a new delivery without acting: `done`, `failed`, or claimed by a live
   * holder (who finishes, or fails its own delivery so that it is retried). `undefined` when a delivery must act:
   * never claimed, released after a transient failure, or a stale claim whose holder is gone. Claims nothing, so
   * a dry run can ask too.
   */
  async settled(keys: EntityKeys): Promise<Exclude<OnceState, OnceClaim> | undefined> {
    const stored = await this.#table.get(keys.partitionKey, keys.rowKey);
    return stored === undefined ? undefined : this.#stateOf(stored.entity);
  }

  /** Records success. `false` when the claim was taken over meanwhile (the holder was slower than the lease). */
  complete(claim: OnceClaim, result: OnceResult): Promise<boolean> {
    return this.#settle(claim, { status: 'done', result: JSON.stringify(result) });
  }

  /** Gives the claim back so the next delivery retries at once. */
  release(claim: OnceClaim, reason: string): Promise<boolean> {
    return this.#settle(claim, { status: 'released', error: reason, leaseUntil: this.#now().toISOString() });
  }

  /** Records a permanent failure: later deliveries see it and do not retry. */
  fail(claim: OnceClaim, reason: string): Promise<boolean> {
    return this.#settle(claim, { status: 'failed', error: reason });
  }

  async #settle(claim: OnceClaim, change: Partial<OnceEntity>): Promise<boolean> {
    try {
      await this.#table.merge({ ...claim.keys, ...change, updatedAt: this.#now().toISOString() }, claim.etag);
      return true;
    } catch (error) {
      if (isAppError(error) && error.code === 'Conflict') return false;
      throw error;
    }
  }

  /** What a stored key means for a new delivery; `undefined` when it may claim (released, or a stale claim). */
  #stateOf(entity: OnceEntity): Exclude<OnceState, OnceClaim> | undefined {
    switch (entity.status) {
      case 'done':
        return { kind: 'done', result: parseResult(entity.result), eventId: entity.eventId };
      case 'failed':
        return { kind: 'failed', error: entity.error ?? 'failed', eventId: entity.eventId };
      case 'claimed':
        return Date.parse(entity.leaseUntil) > this.#now().getTime() ? { kind: 'inProgress', leaseUntil: entity.leaseUntil, eventId: entity.eventId } : undefined;
      case 'released':
        return undefined;
    }
  }

  #claimEntity(keys: EntityKeys, eventId: string, attempts: number): OnceEntity & EntityKeys {
    const now = this.#now();
    return {
      ...keys,
      status: 'claimed',
      claimId: randomUUID(),
      leaseUntil: new Date(now.getTime() + this.#leaseMs).toISOString(),
      attempts,
      eventId,
      updatedAt: now.toISOString(),
    };
  }
}

function parseResult(text: string | undefined): OnceResult {
  if (text === undefined) return {};
  try {
    const parsed = z.record(z.string(), z.string()).safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

export function createOnceLedger(state: StateStore, tableName: string, options: OnceLedgerOptions = {}): OnceLedger {
  return new OnceLedger(state.table(tableName, entitySchema), options);
}

/** What an event id was already used for: one notification per (event, purpose). */
export function eventDedupKeys(eventId: string, purpose: string): EntityKeys {
  return { partitionKey: toKey(eventId), rowKey: toKey(purpose) };
}

export const EVENT_DEDUP_TABLE = 'eventdedup';

/** The ledger deduplicating by event id (notifications for failed runs and lifecycle events). */
export function createEventDedup(state: StateStore, options: OnceLedgerOptions = {}): OnceLedger {
  return createOnceLedger(state, EVENT_DEDUP_TABLE, options);
}

function stillHeld(state: Extract<OnceState, { kind: 'inProgress' }>): AppError {
  return new AppError('UpstreamTransient', `being handled by another delivery (event ${state.eventId}, lease until ${state.leaseUntil}); redeliver later`, {
    module: 'dedup',
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
