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
import { isAppError } from '../../errors.js';
import { toKey, type EntityKeys, type StateStore, type StateTable } from './tableState.js';
import type { Patch } from '../../policy/findings.js';

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

export interface RemediationClaim {
  readonly keys: EntityKeys;
  readonly claimId: string;
  readonly etag: string;
  /** Unconfirmed writes of this patch just before this one. */
  readonly unconfirmedBefore: number;
}

export type RemediationGate =
  /** Write the patch now, then `settle` the claim. */
  | { readonly kind: 'write'; readonly claim: RemediationClaim }
  /** Another delivery is writing this very patch. */
  | { readonly kind: 'inFlight'; readonly correlationId: string }
  /** This patch was written before and did not take: it is not written again. `firstSeen` says whether this call recorded that. */
  | { readonly kind: 'ineffective'; readonly firstSeen: boolean; readonly correlationId: string; readonly since: string };

export function remediationKeys(resourceId: string, patch: Patch): EntityKeys {
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

export class RemediationLedger {
  readonly #table: StateTable<RemediationEntity>;
  readonly #now: () => Date;

  constructor(table: StateTable<RemediationEntity>, now: () => Date = () => new Date()) {
    this.#table = table;
    this.#now = now;
  }

  /**
   * Whether this delivery may write `patch` to the (settled) resource now, and if not, why. `lastModifiedAt` is the
   * resource's `systemData.lastModifiedAt` as just read: it tells a person's write since ours from none.
   */
  async open(resourceId: string, patch: Patch, correlationId: string, lastModifiedAt?: string): Promise<RemediationGate> {
    const keys = remediationKeys(resourceId, patch);
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      const stored = await this.#table.get(keys.partitionKey, keys.rowKey);
      if (stored === undefined) {
        const fresh = this.#writing(keys, patch, correlationId, 0);
        const inserted = await this.#table.insert(fresh);
        if (inserted !== false) return { kind: 'write', claim: { keys, claimId: fresh.claimId, etag: inserted.etag, unconfirmedBefore: 0 } };
        continue;
      }
      const entry = stored.entity;
      const age = this.#now().getTime() - Date.parse(entry.updatedAt);
      if (entry.status === 'writing' && Date.parse(entry.leaseUntil) > this.#now().getTime()) return { kind: 'inFlight', correlationId: entry.correlationId };
      if (entry.status === 'ineffective' && age < INEFFECTIVE_RETRY_MS) return { kind: 'ineffective', firstSeen: false, correlationId: entry.correlationId, since: entry.updatedAt };
      try {
        const unconfirmed = entry.status === 'written' || entry.status === 'writing' ? (entry.unconfirmed ?? 1) : 0;
        const writtenSince = lastModifiedAt !== undefined && Date.parse(lastModifiedAt) > Date.parse(entry.updatedAt);
        if (entry.status === 'written' && (!writtenSince || unconfirmed >= MAX_UNCONFIRMED_WRITES)) {
          // Azure took the write; the resource has settled and still needs exactly this: it did not take.
          await this.#table.merge({ ...keys, status: 'ineffective', note: 'the write was accepted and changed nothing', updatedAt: this.#now().toISOString() }, stored.etag);
          return { kind: 'ineffective', firstSeen: true, correlationId: entry.correlationId, since: this.#now().toISOString() };
        }
        // Applied before (the resource drifted back), released, written over by someone since, or a writer that died.
        const takeover = this.#writing(keys, patch, correlationId, unconfirmed);
        const etag = await this.#table.replace(takeover, stored.etag);
        return { kind: 'write', claim: { keys, claimId: takeover.claimId, etag, unconfirmedBefore: unconfirmed } };
      } catch (error) {
        if (isAppError(error) && error.code === 'Conflict') continue;
        throw error;
      }
    }
    return { kind: 'inFlight', correlationId };
  }

  /** Records how the write ended. `false` when the claim was taken over meanwhile. */
  settle(claim: RemediationClaim, outcome: 'written' | 'applied' | 'ineffective', note?: string): Promise<boolean> {
    return this.#merge(claim, {
      status: outcome,
      ...(outcome === 'written' ? { unconfirmed: claim.unconfirmedBefore + 1 } : { unconfirmed: 0 }),
      ...(note === undefined ? {} : { note }),
    });
  }

  /** Gives the claim back without a write (a transient failure): the next delivery writes. */
  release(claim: RemediationClaim): Promise<boolean> {
    return this.#merge(claim, { status: 'released' });
  }

  async #merge(claim: RemediationClaim, change: Partial<RemediationEntity>): Promise<boolean> {
    try {
      await this.#table.merge({ ...claim.keys, updatedAt: this.#now().toISOString(), ...change }, claim.etag);
      return true;
    } catch (error) {
      if (isAppError(error) && error.code === 'Conflict') return false;
      throw error;
    }
  }

  #writing(keys: EntityKeys, patch: Patch, correlationId: string, unconfirmed: number): RemediationEntity & EntityKeys {
    const now = this.#now();
    return {
      ...keys,
      status: 'writing',
      unconfirmed,
      claimId: randomUUID(),
      leaseUntil: new Date(now.getTime() + WRITING_LEASE_MS).toISOString(),
      updatedAt: now.toISOString(),
      correlationId,
      patch: canonicalJson(patch),
    };
  }
}

export function createRemediationLedger(state: StateStore, now?: () => Date): RemediationLedger {
  return new RemediationLedger(state.table(REMEDIATION_LEDGER_TABLE, entitySchema), now);
}
