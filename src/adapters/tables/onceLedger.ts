/**
 * `OnceLedger` in Table Storage: one entity per key, claimed with insert-if-absent, taken over with an
 * ETag-conditional replace once its lease lapsed or it was released (`records.ts`).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import type { OnceClaim, OnceEntry, OnceKey, OnceLedger, OnceResult, OnceSettled, OnceState } from '../../shared/onceLedger.js';
import { leaseHolds, leaseUntil, settleRecord, updateRecord } from './records.js';
import { fromKey, startsWith, toKey, type EntityKeys, type StateStore, type StateTable } from './tableState.js';

/**
 * Five minutes. An attempt makes a few calls, each bounded by the outbound timeout (at most a minute), so a live
 * holder finishes well within it; Event Grid redelivers a failed or unanswered delivery after 10 s, 30 s, 1 min,
 * 5 min, 10 min, 30 min and then hourly for 24 h, so a crashed holder's claim is taken over by a later retry.
 */
export const DEFAULT_LEASE_MS = 5 * 60_000;

/** How long a delivery waits for a live holder before failing as transient. */
export const HOLDER_WAIT_MS = 3_000;

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

type OnceEntity = z.infer<typeof entitySchema>;

export interface OnceLedgerOptions {
  readonly leaseMs?: number;
  /** Clock (tests). */
  readonly now?: () => Date;
}

const MAX_CLAIM_ROUNDS = 4;

export function onceEntityKeys(key: OnceKey): EntityKeys {
  return { partitionKey: toKey(key.group), rowKey: toKey(key.item) };
}

class TableOnceLedger implements OnceLedger {
  readonly leaseMs: number;
  readonly #table: StateTable<OnceEntity>;
  readonly #now: () => Date;

  constructor(table: StateTable<OnceEntity>, options: OnceLedgerOptions = {}) {
    this.#table = table;
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.#now = options.now ?? (() => new Date());
  }

  claim(key: OnceKey, eventId: string): Promise<OnceState> {
    const keys = onceEntityKeys(key);
    return updateRecord<OnceEntity, OnceState>(
      this.#table,
      keys,
      (current) => {
        const state = current === undefined ? undefined : this.#stateOf(current.entity);
        if (state !== undefined) return { answer: state };
        // Never claimed, released, or a stale claim whose holder is gone: claim it, if nobody else does first.
        const claim = this.#claimEntity(keys, eventId, current === undefined ? 1 : current.entity.attempts + 1);
        return { write: claim, result: (version) => ({ kind: 'claimed', key, claimId: claim.claimId, version, attempt: claim.attempts }) };
      },
      {
        rounds: MAX_CLAIM_ROUNDS,
        backoffMs: () => 0,
        exhausted: async () => {
          const stored = await this.#table.get(keys.partitionKey, keys.rowKey);
          return { kind: 'inProgress', leaseUntil: stored?.entity.leaseUntil ?? this.#now().toISOString(), eventId: stored?.entity.eventId ?? eventId };
        },
      },
    );
  }

  async claimOrWait(key: OnceKey, eventId: string, waitMs: number = HOLDER_WAIT_MS): Promise<OnceClaim | OnceSettled> {
    const deadline = performance.now() + waitMs;
    for (let pause = 50; ; pause = Math.min(pause * 2, 400)) {
      const state = await this.claim(key, eventId);
      if (state.kind !== 'inProgress') return state;
      if (performance.now() + pause > deadline) throw stillHeld(state);
      await sleep(pause);
    }
  }

  async settledOrWait(key: OnceKey, waitMs: number = HOLDER_WAIT_MS): Promise<OnceSettled | undefined> {
    const deadline = performance.now() + waitMs;
    for (let pause = 50; ; pause = Math.min(pause * 2, 400)) {
      const state = await this.settled(key);
      if (state?.kind !== 'inProgress') return state;
      if (performance.now() + pause > deadline) throw stillHeld(state);
      await sleep(pause);
    }
  }

  async settled(key: OnceKey): Promise<Exclude<OnceState, OnceClaim> | undefined> {
    const keys = onceEntityKeys(key);
    const stored = await this.#table.get(keys.partitionKey, keys.rowKey);
    return stored === undefined ? undefined : this.#stateOf(stored.entity);
  }

  complete(claim: OnceClaim, result: OnceResult): Promise<boolean> {
    return this.#settle(claim, { status: 'done', result: JSON.stringify(result) });
  }

  release(claim: OnceClaim, reason: string): Promise<boolean> {
    return this.#settle(claim, { status: 'released', error: reason, leaseUntil: this.#now().toISOString() });
  }

  fail(claim: OnceClaim, reason: string): Promise<boolean> {
    return this.#settle(claim, { status: 'failed', error: reason });
  }

  async entries(group: string, itemPrefix: string): Promise<readonly OnceEntry[]> {
    // One partition, a range of its row keys: `toKey` encodes character by character, so prefixes stay prefixes.
    const partitionKey = toKey(group);
    const rowPrefix = toKey(itemPrefix);
    const found: OnceEntry[] = [];
    for await (const { entity } of this.#table.query([{ property: 'partitionKey', op: 'eq', value: partitionKey }, ...startsWith('rowKey', rowPrefix)])) {
      if (!entity.rowKey.startsWith(rowPrefix)) continue;
      found.push({
        key: { group: fromKey(entity.partitionKey), item: fromKey(entity.rowKey) },
        status: entity.status,
        attempts: entity.attempts,
        eventId: entity.eventId,
        leaseUntil: entity.leaseUntil,
        updatedAt: entity.updatedAt,
        result: parseResult(entity.result),
        error: entity.error,
      });
    }
    return found;
  }

  async #settle(claim: OnceClaim, change: Partial<OnceEntity>): Promise<boolean> {
    return (await settleRecord(this.#table, onceEntityKeys(claim.key), claim.version, { ...change, updatedAt: this.#now().toISOString() })) !== false;
  }

  /** What a stored key means for a new delivery; `undefined` when it may claim (released, or a stale claim). */
  #stateOf(entity: OnceEntity): Exclude<OnceState, OnceClaim> | undefined {
    switch (entity.status) {
      case 'done':
        return { kind: 'done', result: parseResult(entity.result), eventId: entity.eventId };
      case 'failed':
        return { kind: 'failed', error: entity.error ?? 'failed', eventId: entity.eventId };
      case 'claimed':
        return leaseHolds(entity.leaseUntil, this.#now()) ? { kind: 'inProgress', leaseUntil: entity.leaseUntil, eventId: entity.eventId } : undefined;
      case 'released':
        return undefined;
    }
  }

  #claimEntity(keys: EntityKeys, eventId: string, attempts: number): OnceEntity & EntityKeys {
    const now = this.#now();
    return { ...keys, status: 'claimed', claimId: randomUUID(), leaseUntil: leaseUntil(now, this.leaseMs), attempts, eventId, updatedAt: now.toISOString() };
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

/** The once-ledger kept in `tableName` (`cdledger`, `eventdedup`, `ownernotices`). */
export function createOnceLedger(state: StateStore, tableName: string, options: OnceLedgerOptions = {}): OnceLedger {
  return new TableOnceLedger(state.table(tableName, entitySchema), options);
}

export const CD_LEDGER_TABLE = 'cdledger';
export const EVENT_DEDUP_TABLE = 'eventdedup';
export const OWNER_NOTICE_TABLE = 'ownernotices';

function stillHeld(state: Extract<OnceState, { kind: 'inProgress' }>): AppError {
  return new AppError('UpstreamTransient', `being handled by another delivery (event ${state.eventId}, lease until ${state.leaseUntil}); redeliver later`, {
    module: 'dedup',
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
