/**
 * Per-version CD decisions: which CD targets a model version goes to, or why it is skipped, as decided by the one
 * delivery that re-read the version from ARM. Duplicate deliveries (Event Grid redelivers, often concurrently)
 * read this and the CD ledger before any ARM call, and answer from them when every matching target is settled.
 *
 * The record only saves reads; it never decides alone whether a run starts. A delivery that finds the version
 * being decided waits briefly for the decision and otherwise takes the full path, and a target whose ledger entry
 * is missing, released or stale always does; exactly-once stays the CD ledger's job. A decision holds for the
 * policy it was made under (`policyFingerprint`): another policy decides again.
 *
 * Duplicates on the instance that is deciding are woken when it records (or gives up); duplicates elsewhere poll
 * the record. Either way the table, not memory, is what they read.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { CdDecision, CdDecisionEntry, CdDecisionKey, CdDecisions, DecisionClaim, DecisionGate } from '../../modelCd/ports.js';
import { leaseHolds, leaseUntil, settleRecord, updateRecord } from './records.js';
import { fromKey, startsWith, toKey, type EntityKeys, type StateStore, type StateTable } from './tableState.js';

export const CD_DECISION_TABLE = 'cddecisions';

/**
 * How long a delivery may hold a version while deciding: two ARM reads, each bounded by the outbound timeout.
 * A holder that died is taken over after it.
 */
export const DECIDING_LEASE_MS = 60_000;

/** How long a duplicate waits for a live decider before re-reading ARM itself (a decision takes two ARM reads). */
export const DECISION_WAIT_MS = 2_000;

const targetsSchema = z.array(z.object({ target: z.string(), rule: z.string() }));

const entitySchema = z.object({
  status: z.enum(['deciding', 'released', 'decided']),
  claimId: z.string(),
  leaseUntil: z.string(),
  eventId: z.string(),
  updatedAt: z.string(),
  policyFingerprint: z.string(),
  outcome: z.enum(['skipped', 'matched']).optional(),
  /** JSON list of `{target, rule}` when matched. */
  targets: z.string().optional(),
  reason: z.string().optional(),
});

type DecisionEntity = z.infer<typeof entitySchema>;

export interface CdDecisionOptions {
  readonly leaseMs?: number;
  readonly waitMs?: number;
  /** Clock (tests). */
  readonly now?: () => Date;
}

function decisionKeys(key: CdDecisionKey): EntityKeys {
  return { partitionKey: toKey(key.workspaceId.toLowerCase()), rowKey: toKey(key.subject) };
}

/**
 * Decisions being made in this process. Its own duplicates wait on them instead of polling the table, and take
 * the decision the decider has just written there (the same one a read would return).
 */
interface LocalDecider {
  readonly claimId: string;
  readonly policyFingerprint: string;
  /** The recorded decision; `undefined` when the decider gave up or lost its claim (then the table is read). */
  readonly settled: Promise<CdDecision | undefined>;
  readonly settle: (decision: CdDecision | undefined) => void;
}

const localDeciders = new Map<string, LocalDecider>();

function localKey(tableName: string, keys: EntityKeys): string {
  return `${tableName}\n${keys.partitionKey}\n${keys.rowKey}`;
}

function startLocalDecision(key: string, claimId: string, policyFingerprint: string): void {
  localDeciders.get(key)?.settle(undefined);
  let resolveSettled: (decision: CdDecision | undefined) => void = () => {};
  const settled = new Promise<CdDecision | undefined>((resolve) => {
    resolveSettled = resolve;
  });
  const decider: LocalDecider = {
    claimId,
    policyFingerprint,
    settled,
    settle: (decision) => {
      if (localDeciders.get(key) === decider) localDeciders.delete(key);
      resolveSettled(decision);
    },
  };
  localDeciders.set(key, decider);
  // Whatever happens to the decider, its waiters are not kept past its lease.
  setTimeout(() => decider.settle(undefined), DECIDING_LEASE_MS).unref();
}

/** This process's decider's outcome, waiting at most `ms`; `undefined` when there is none or it did not decide in time. */
async function localDecision(key: string, policyFingerprint: string, ms: number): Promise<CdDecision | undefined> {
  const decider = localDeciders.get(key);
  if (decider === undefined || decider.policyFingerprint !== policyFingerprint || ms <= 0) return undefined;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([decider.settled, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// Bounds the loop whatever the table does; the wait is bounded by DECISION_WAIT_MS well before.
const MAX_OPEN_ROUNDS = 50;

class TableCdDecisions implements CdDecisions {
  readonly #table: StateTable<DecisionEntity>;
  readonly #leaseMs: number;
  readonly #waitMs: number;
  readonly #now: () => Date;

  constructor(table: StateTable<DecisionEntity>, options: CdDecisionOptions = {}) {
    this.#table = table;
    this.#leaseMs = options.leaseMs ?? DECIDING_LEASE_MS;
    this.#waitMs = options.waitMs ?? DECISION_WAIT_MS;
    this.#now = options.now ?? (() => new Date());
  }

  /**
   * The decision for a version under the policy with `policyFingerprint`, or the right to make it. Of concurrent
   * deliveries one decides (insert-if-absent, or an ETag-conditional takeover of a released or stale claim or of
   * a decision made under another policy); the others wait up to the wait time for it.
   */
  async open(key: CdDecisionKey, eventId: string, policyFingerprint: string): Promise<DecisionGate> {
    const keys = decisionKeys(key);
    const deadline = Date.now() + this.#waitMs;
    const local = localKey(this.#table.tableName, keys);
    const decidedHere = await localDecision(local, policyFingerprint, this.#waitMs);
    if (decidedHere !== undefined) return { kind: 'decided', decision: decidedHere };
    return updateRecord<DecisionEntity, DecisionGate>(
      this.#table,
      keys,
      async (current, round) => {
        const entity = current?.entity;
        if (entity?.status === 'decided' && entity.policyFingerprint === policyFingerprint) {
          const decision = decisionOf(entity);
          if (decision !== undefined) return { answer: { kind: 'decided', decision } };
        }
        if (entity?.status === 'deciding' && leaseHolds(entity.leaseUntil, this.#now())) {
          const left = deadline - Date.now();
          if (left <= 0) return { answer: { kind: 'undecided' } };
          if (localDeciders.has(local)) {
            const decided = await localDecision(local, policyFingerprint, left);
            return decided === undefined ? { wait: 0 } : { answer: { kind: 'decided', decision: decided } };
          }
          return { wait: Math.min(25 * 2 ** round, 250, left) };
        }
        // Absent, released, stale, unreadable, or decided under another policy: decide, if nobody else does first.
        const claim = this.#claimEntity(keys, eventId, policyFingerprint);
        return { write: claim, result: (version) => this.#decide({ key, claimId: claim.claimId, version, policyFingerprint }) };
      },
      { rounds: MAX_OPEN_ROUNDS, backoffMs: () => 0, exhausted: () => ({ kind: 'undecided' }) },
    );
  }

  /** Records the decision. `false` when the claim was taken over meanwhile (the taker records its own). */
  record(claim: DecisionClaim, decision: CdDecision): Promise<boolean> {
    const change =
      decision.outcome === 'skipped'
        ? { outcome: decision.outcome, reason: decision.reason }
        : { outcome: decision.outcome, targets: JSON.stringify(decision.targets) };
    return this.#settle(claim, { status: 'decided', eventId: decision.eventId, ...change }, decision);
  }

  /** Gives the claim back without a decision (ARM failed, or the version is not there yet): the next delivery decides. */
  release(claim: DecisionClaim, reason: string): Promise<boolean> {
    return this.#settle(claim, { status: 'released', reason, leaseUntil: this.#now().toISOString() }, undefined);
  }

  async recent(subjectPrefix: string, limit: number): Promise<readonly CdDecisionEntry[]> {
    const rowPrefix = toKey(subjectPrefix);
    // ISO times in UTC order as strings do; ties in key order, so pages are stable.
    const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    const newestFirst = (a: CdDecisionEntry, b: CdDecisionEntry) => order(b.updatedAt, a.updatedAt) || order(a.workspaceId, b.workspaceId) || order(a.subject, b.subject);
    let kept: CdDecisionEntry[] = [];
    // Every workspace's partition, a range of row keys in each: the service filters, this keeps the newest.
    for await (const { entity } of this.#table.query(startsWith('rowKey', rowPrefix))) {
      if (!entity.rowKey.startsWith(rowPrefix)) continue;
      kept.push({
        workspaceId: fromKey(entity.partitionKey),
        subject: fromKey(entity.rowKey),
        status: entity.status,
        decision: entity.status === 'decided' ? decisionOf(entity) : undefined,
        reason: entity.status === 'released' ? entity.reason : undefined,
        eventId: entity.eventId,
        leaseUntil: entity.leaseUntil,
        updatedAt: entity.updatedAt,
      });
      // Bounded memory however large the table: trim to the newest `limit` now and then.
      if (kept.length >= 2 * limit + 100) kept = kept.sort(newestFirst).slice(0, limit);
    }
    return kept.sort(newestFirst).slice(0, limit);
  }

  #decide(claim: DecisionClaim): DecisionGate {
    startLocalDecision(localKey(this.#table.tableName, decisionKeys(claim.key)), claim.claimId, claim.policyFingerprint);
    return { kind: 'decide', claim };
  }

  async #settle(claim: DecisionClaim, change: Partial<DecisionEntity>, decision: CdDecision | undefined): Promise<boolean> {
    const keys = decisionKeys(claim.key);
    let written = false;
    try {
      written = (await settleRecord(this.#table, keys, claim.version, { ...change, updatedAt: this.#now().toISOString() })) !== false;
      return written;
    } finally {
      // Waiters take the decision only if it is what the table now holds; otherwise they read the table.
      const decider = localDeciders.get(localKey(this.#table.tableName, keys));
      if (decider?.claimId === claim.claimId) decider.settle(written ? decision : undefined);
    }
  }

  #claimEntity(keys: EntityKeys, eventId: string, policyFingerprint: string): DecisionEntity & EntityKeys {
    const now = this.#now();
    return { ...keys, status: 'deciding', claimId: randomUUID(), leaseUntil: leaseUntil(now, this.#leaseMs), eventId, updatedAt: now.toISOString(), policyFingerprint };
  }
}

function decisionOf(entity: DecisionEntity): CdDecision | undefined {
  if (entity.outcome === 'skipped') return { outcome: 'skipped', reason: entity.reason ?? 'no CD rule matches', eventId: entity.eventId };
  if (entity.outcome !== 'matched' || entity.targets === undefined) return undefined;
  try {
    const targets = targetsSchema.safeParse(JSON.parse(entity.targets));
    return targets.success ? { outcome: 'matched', targets: targets.data, eventId: entity.eventId } : undefined;
  } catch {
    return undefined;
  }
}

export function createCdDecisions(state: StateStore, options: CdDecisionOptions = {}): CdDecisions {
  return new TableCdDecisions(state.table(CD_DECISION_TABLE, entitySchema), options);
}
