/**
 * What became of each fix the app wrote, per (resource, patch), so that a fix Azure accepts but does not apply is
 * written once, recorded as `ineffective` and notified once — never written again on the event its own write
 * raises. A write loop is impossible by construction: a patch is written again only after Azure was seen to apply
 * it (the resource drifted back since), and at most twice in a row without seeing whether it took.
 *
 * States of a (resource, patch) entry, all changed with conditional writes so instances agree:
 * - `writing` (a lease): one delivery is writing it; others defer to it;
 * - `written`: Azure accepted the write, whose outcome was not yet seen (a long update still running). If an
 *   evaluation then finds the resource settled and still needing exactly this patch, and nobody wrote it since
 *   (its `systemData.lastModifiedAt` is not later), the write did not take. If someone did write it since — a person
 *   putting the old values back — it is written once more, and a second write still not seen to take is ineffective;
 * - `applied`: the read-back showed the change; the patch may be written again if the resource drifts back;
 * - `ineffective`: the write did not take; not written again until `INEFFECTIVE_RETRY_MS` passes;
 * - `released`: a delivery claimed it and wrote nothing (a transient failure); the next one writes.
 */
import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { RemediationClaim, RemediationGate, RemediationLedger } from '../../governance/ports.js';
import type { Patch } from '../../policy/findings.js';
import { leaseHolds, leaseUntil, settleRecord, updateRecord } from './records.js';
import { toKey, type EntityKeys, type StateStore, type StateTable } from './tableState.js';

export const REMEDIATION_LEDGER_TABLE = 'remediations';

/** A writer that died is taken over after this long (a write and its read-back take a few bounded calls). */
export const WRITING_LEASE_MS = 5 * 60_000;
/** Writes in a row whose outcome was never seen, after which a patch still needed counts as ineffective. */
export const MAX_UNCONFIRMED_WRITES = 2;
/** An ineffective fix is tried again (and, if still ineffective, notified again) after a week. */
export const INEFFECTIVE_RETRY_MS = 7 * 24 * 60 * 60_000;

const entitySchema = z.object({
  status: z.enum(['writing', 'written', 'applied', 'ineffective', 'released']),
  claimId: z.string(),
  leaseUntil: z.string(),
  updatedAt: z.string(),
  correlationId: z.string(),
  patch: z.string(),
  /** Writes in a row of this patch whose outcome was not seen (absent on entries written before it was counted). */
  unconfirmed: z.number().optional(),
  note: z.string().optional(),
});

type RemediationEntity = z.infer<typeof entitySchema>;

function remediationKeys(resourceId: string, patch: Patch): EntityKeys {
  return { partitionKey: toKey(resourceId.toLowerCase()), rowKey: patchFingerprint(patch) };
}

/** Identifies a patch by its content, whatever the order its fields were built in. */
export function patchFingerprint(patch: Patch): string {
  return createHash('sha256').update(canonicalJson(patch)).digest('hex').slice(0, 40);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${canonicalJson(entry)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const MAX_ROUNDS = 5;

class TableRemediationLedger implements RemediationLedger {
  readonly #table: StateTable<RemediationEntity>;
  readonly #now: () => Date;

  constructor(table: StateTable<RemediationEntity>, now: () => Date = () => new Date()) {
    this.#table = table;
    this.#now = now;
  }

  open(resourceId: string, patch: Patch, correlationId: string, lastModifiedAt?: string): Promise<RemediationGate> {
    const keys = remediationKeys(resourceId, patch);
    const claimed = (entity: RemediationEntity, unconfirmedBefore: number) => (version: string): RemediationGate => ({
      kind: 'write',
      claim: { resourceId, patch, claimId: entity.claimId, version, unconfirmedBefore },
    });
    return updateRecord<RemediationEntity, RemediationGate>(
      this.#table,
      keys,
      (current) => {
        const now = this.#now();
        if (current === undefined) {
          const fresh = this.#writing(keys, patch, correlationId, 0);
          return { write: fresh, result: claimed(fresh, 0) };
        }
        const entry = current.entity;
        const age = now.getTime() - Date.parse(entry.updatedAt);
        if (entry.status === 'writing' && leaseHolds(entry.leaseUntil, now)) return { answer: { kind: 'inFlight', correlationId: entry.correlationId } };
        if (entry.status === 'ineffective' && age < INEFFECTIVE_RETRY_MS) return { answer: { kind: 'ineffective', firstSeen: false, correlationId: entry.correlationId, since: entry.updatedAt } };
        const unconfirmed = entry.status === 'written' || entry.status === 'writing' ? (entry.unconfirmed ?? 1) : 0;
        const writtenSince = lastModifiedAt !== undefined && Date.parse(lastModifiedAt) > Date.parse(entry.updatedAt);
        if (entry.status === 'written' && (!writtenSince || unconfirmed >= MAX_UNCONFIRMED_WRITES)) {
          // Azure took the write; the resource has settled and still needs exactly this: it did not take.
          const ineffective = { ...entry, status: 'ineffective' as const, note: 'the write was accepted and changed nothing', updatedAt: now.toISOString() };
          return { write: ineffective, result: () => ({ kind: 'ineffective', firstSeen: true, correlationId: entry.correlationId, since: now.toISOString() }) };
        }
        // Applied before (the resource drifted back), released, written over by someone since, or a writer that died.
        const takeover = this.#writing(keys, patch, correlationId, unconfirmed);
        return { write: takeover, result: claimed(takeover, unconfirmed) };
      },
      { rounds: MAX_ROUNDS, backoffMs: () => 0, exhausted: () => ({ kind: 'inFlight', correlationId }) },
    );
  }

  settle(claim: RemediationClaim, outcome: 'written' | 'applied' | 'ineffective', note?: string): Promise<boolean> {
    return this.#merge(claim, {
      status: outcome,
      ...(outcome === 'written' ? { unconfirmed: claim.unconfirmedBefore + 1 } : { unconfirmed: 0 }),
      ...(note === undefined ? {} : { note }),
    });
  }

  release(claim: RemediationClaim): Promise<boolean> {
    return this.#merge(claim, { status: 'released' });
  }

  async #merge(claim: RemediationClaim, change: Partial<RemediationEntity>): Promise<boolean> {
    const keys = remediationKeys(claim.resourceId, claim.patch);
    return (await settleRecord(this.#table, keys, claim.version, { updatedAt: this.#now().toISOString(), ...change })) !== false;
  }

  #writing(keys: EntityKeys, patch: Patch, correlationId: string, unconfirmed: number): RemediationEntity & EntityKeys {
    const now = this.#now();
    return {
      ...keys,
      status: 'writing',
      unconfirmed,
      claimId: randomUUID(),
      leaseUntil: leaseUntil(now, WRITING_LEASE_MS),
      updatedAt: now.toISOString(),
      correlationId,
      patch: canonicalJson(patch),
    };
  }
}

export function createRemediationLedger(state: StateStore, now?: () => Date): RemediationLedger {
  return new TableRemediationLedger(state.table(REMEDIATION_LEDGER_TABLE, entitySchema), now);
}
