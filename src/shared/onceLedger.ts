/**
 * "Once per key": claim → act → done, whatever is delivered how often and to how many instances. The CD ledger (one
 * run per model version and target), event dedup (one message per event) and owner notices are each one of these.
 *
 * - Of any number of concurrent claims exactly one wins.
 * - A claim is a lease: if its holder stops, the claim lapses and a later delivery takes it over (again one winner).
 * - A transient failure releases the claim (the next delivery tries at once); a permanent one is recorded as
 *   `failed` and never retried; success is recorded as `done` with its result.
 * - A delivery that finds a live claim waits a moment for the holder (`claimOrWait`, `settledOrWait`); still held
 *   after the wait, it fails as transient so that it is delivered again later.
 */

/** What is done once: a group (a workspace, an event) and an item in it. */
export interface OnceKey {
  readonly group: string;
  readonly item: string;
}

export type OnceResult = Readonly<Record<string, string>>;

export interface OnceClaim {
  readonly kind: 'claimed';
  readonly key: OnceKey;
  readonly claimId: string;
  /** The version of the claim this holder wrote; settling checks it still holds. */
  readonly version: string;
  /** 1 for the first attempt, more when a released or lapsed claim was taken over. */
  readonly attempt: number;
}

export type OnceState =
  | OnceClaim
  | { readonly kind: 'done'; readonly result: OnceResult; readonly eventId: string }
  | { readonly kind: 'failed'; readonly error: string; readonly eventId: string }
  | { readonly kind: 'inProgress'; readonly leaseUntil: string; readonly eventId: string };

/** One key as the ledger holds it, read back for people (an API); never what a delivery decides by. */
export interface OnceEntry {
  readonly key: OnceKey;
  /** `claimed` (held until `leaseUntil`; after it the holder is gone), `released` (the next delivery tries again), `done`, `failed` (for good). */
  readonly status: 'claimed' | 'released' | 'done' | 'failed';
  /** Claims so far: 1 for the first attempt, more when a released or lapsed claim was taken over. */
  readonly attempts: number;
  /** The delivery that made the last claim. */
  readonly eventId: string;
  readonly leaseUntil: string;
  readonly updatedAt: string;
  readonly result: OnceResult;
  /** Why it failed for good, or why its last claim was given back. */
  readonly error: string | undefined;
}

/** How a key ended for a delivery that must not act: started or sent (`done`), or failed for good. */
export type OnceSettled = Extract<OnceState, { kind: 'done' | 'failed' }>;

export interface OnceLedger {
  /** How long a claim holds before another delivery may take it over. */
  readonly leaseMs: number;
  /** Claims the key for `eventId`, or says who has it and how it ended. */
  claim(key: OnceKey, eventId: string): Promise<OnceState>;
  /** Claims the key; a live holder is given a moment to finish, and its outcome settles this delivery. */
  claimOrWait(key: OnceKey, eventId: string, waitMs?: number): Promise<OnceClaim | OnceSettled>;
  /** The outcome, giving a live holder a moment; `undefined` when this delivery must act. */
  settledOrWait(key: OnceKey, waitMs?: number): Promise<OnceSettled | undefined>;
  /** The outcome when it already settles a new delivery (done, failed, or held live); claims nothing. */
  settled(key: OnceKey): Promise<Exclude<OnceState, OnceClaim> | undefined>;
  /** Records success. `false` when the claim was taken over meanwhile (the holder was slower than the lease). */
  complete(claim: OnceClaim, result: OnceResult): Promise<boolean>;
  /** Gives the claim back so the next delivery retries at once. */
  release(claim: OnceClaim, reason: string): Promise<boolean>;
  /** Records a permanent failure: later deliveries see it and do not retry. */
  fail(claim: OnceClaim, reason: string): Promise<boolean>;
  /** The keys of `group` whose item starts with `itemPrefix`, in item order: for reading back, not for deciding. */
  entries(group: string, itemPrefix: string): Promise<readonly OnceEntry[]>;
}
