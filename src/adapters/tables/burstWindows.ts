/**
 * Burst folding for failed-run notifications, in Table Storage so every instance agrees.
 *
 * One window per (workspace, experiment, channel). The first failure opens it and is sent at once; failures
 * arriving while it is open are counted (with the last one's error and link), not sent. Once the window closes,
 * its folded failures are reported exactly once: by the `notificationFlush` timer as one summary, or — if a new
 * failure opens the next window first — in that failure's message. The flush claims the window with an
 * ETag-conditional write before sending, so of several instances (and a racing new failure) one reports it.
 * All writes are conditional; a lost race is simply re-read.
 */
import { z } from 'zod';
import { AppError, isAppError } from '../../errors.js';
import { fromKey, odata, toKey, type EntityKeys, type StateStore, type StateTable } from './tableState.js';

export const BURST_WINDOW_TABLE = 'burstwindows';

const windowSchema = z.object({
  windowStart: z.string(),
  windowEnd: z.string(),
  /** Failures counted in this window, the leader included. */
  count: z.number(),
  /** The event whose message speaks for this window. */
  leaderEventId: z.string(),
  leaderSent: z.boolean(),
  /** Failures folded into the previous window, reported by this window's message. */
  previousFolded: z.number(),
  previousWindowStart: z.string().optional(),
  /** Who the window is about, for its summary (absent on windows written before summaries existed). */
  workspaceId: z.string().optional(),
  workspaceName: z.string().optional(),
  experimentName: z.string().optional(),
  channel: z.string().optional(),
  /** The latest failure counted into the window. */
  lastJobName: z.string().optional(),
  lastErrorText: z.string().optional(),
  lastStudioLink: z.string().optional(),
  /** Reporting of the folded failures once the window closes: absent/`pending`, `flushing` (leased) or `flushed`. */
  flushState: z.enum(['pending', 'flushing', 'flushed']).optional(),
  flushLeaseUntil: z.string().optional(),
});

type BurstWindowEntity = z.infer<typeof windowSchema>;

export interface BurstKey {
  readonly workspaceId: string;
  readonly experimentName: string;
  readonly channel: string;
}

/** The failure being counted: what a later summary says about the window's latest failure. */
export interface BurstFailure {
  readonly workspaceName: string;
  readonly jobName: string;
  readonly errorText: string | undefined;
  readonly studioLink: string;
}

/** A closed window with folded failures nobody reported yet, claimed by one flusher. */
export interface FlushClaim {
  readonly keys: EntityKeys;
  readonly etag: string;
  readonly workspaceId: string;
  readonly workspaceName: string;
  readonly experimentName: string;
  readonly channel: string;
  /** Failures folded behind the window's first one. */
  readonly folded: number;
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly leaderEventId: string;
  readonly lastJobName: string | undefined;
  readonly lastErrorText: string | undefined;
  readonly lastStudioLink: string | undefined;
}

/** How long a flusher holds a window while sending its summary (a few bounded calls); a dead flusher's claim then lapses. */
export const FLUSH_LEASE_MS = 2 * 60_000;
// Azure ML errors can carry whole stack traces; the summary needs the gist, and entities have a size limit.
const MAX_ERROR_CHARS = 4_000;

export type BurstDecision =
  /** Send a message now; `previousFolded` failures of the last window were never reported. */
  | { readonly send: true; readonly previousFolded: number; readonly previousWindowStart: string | undefined; readonly windowEnd: string }
  /** Counted into the open window: `count` failures so far. */
  | { readonly send: false; readonly count: number; readonly windowEnd: string };

const MAX_ROUNDS = 40;

/** A short random pause after a lost race, so a burst of concurrent failures does not collide in lockstep. */
function backoff(round: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(10 * (round + 1), 200)));
}

function burstKeys(key: BurstKey): EntityKeys {
  return { partitionKey: toKey(key.workspaceId.toLowerCase()), rowKey: toKey(`${key.experimentName}|${key.channel}`) };
}

export class BurstWindows {
  readonly #table: StateTable<BurstWindowEntity>;

  constructor(table: StateTable<BurstWindowEntity>) {
    this.#table = table;
  }

  /** Counts one failure into its window and says whether it gets a message. A redelivered leader is sent again until sent. */
  async admit(key: BurstKey, eventId: string, now: Date, windowMs: number, failure: BurstFailure): Promise<BurstDecision> {
    const keys = burstKeys(key);
    const windowEnd = new Date(now.getTime() + windowMs).toISOString();
    const latest = {
      lastJobName: failure.jobName,
      lastStudioLink: failure.studioLink,
      ...(failure.errorText === undefined ? {} : { lastErrorText: failure.errorText.slice(0, MAX_ERROR_CHARS) }),
    };
    const opening = (previousFolded: number, previousWindowStart: string | undefined): BurstWindowEntity & EntityKeys => ({
      ...keys,
      windowStart: now.toISOString(),
      windowEnd,
      count: 1,
      leaderEventId: eventId,
      leaderSent: false,
      previousFolded,
      ...(previousWindowStart === undefined ? {} : { previousWindowStart }),
      workspaceId: key.workspaceId,
      workspaceName: failure.workspaceName,
      experimentName: key.experimentName,
      channel: key.channel,
      ...latest,
      flushState: 'pending',
    });
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      const stored = await this.#table.get(keys.partitionKey, keys.rowKey);
      if (stored === undefined) {
        if ((await this.#table.insert(opening(0, undefined))) !== false) return { send: true, previousFolded: 0, previousWindowStart: undefined, windowEnd };
        await backoff(round);
        continue;
      }
      const window = stored.entity;
      // Once a flusher has taken the window it is closed, whatever this instance's clock says.
      const open = Date.parse(window.windowEnd) > now.getTime() && (window.flushState ?? 'pending') === 'pending';
      if (window.leaderEventId === eventId) {
        return window.leaderSent
          ? { send: false, count: window.count, windowEnd: window.windowEnd }
          : { send: true, previousFolded: window.previousFolded, previousWindowStart: window.previousWindowStart, windowEnd: window.windowEnd };
      }
      try {
        if (open) {
          // Replace, not merge: a failure without an error must not keep the previous one's error as "last".
          const counted = { ...window, ...keys, count: window.count + 1, ...latest };
          if (failure.errorText === undefined) delete counted.lastErrorText;
          await this.#table.replace(counted, stored.etag);
          return { send: false, count: window.count + 1, windowEnd: window.windowEnd };
        }
        if (window.flushState === 'flushing' && !leaseLapsed(window, now)) {
          // A flusher is sending this window's summary right now; wait for it rather than report the count twice.
          await backoff(round);
          continue;
        }
        // Folded failures the flush did not report, and a leader that was never sent, are carried into this message.
        const folded = window.flushState === 'flushed' ? 0 : window.count - 1;
        const unreported = folded + (window.leaderSent ? 0 : 1);
        await this.#table.replace(opening(unreported, window.windowStart), stored.etag);
        return { send: true, previousFolded: unreported, previousWindowStart: window.windowStart, windowEnd };
      } catch (error) {
        if (isAppError(error) && error.code === 'Conflict') {
          await backoff(round);
          continue;
        }
        throw error;
      }
    }
    throw new AppError('UpstreamTransient', 'The burst window stayed contended; retrying later', { module: 'burstWindow' });
  }

  /**
   * Claims each window that closed before `now` with folded failures nobody reported: one conditional write per
   * window, so of several flushers (or a failure opening the next window) exactly one wins it. Windows held by
   * a live flusher are left alone; a lapsed claim is taken over.
   */
  async *claimClosed(now: Date, leaseMs: number = FLUSH_LEASE_MS): AsyncIterable<FlushClaim> {
    for await (const stored of this.#table.query(odata`windowEnd lt ${now.toISOString()} and count gt ${1}`)) {
      const window = stored.entity;
      if (window.flushState === 'flushed' || (window.flushState === 'flushing' && !leaseLapsed(window, now))) continue;
      if (Date.parse(window.windowEnd) > now.getTime() || window.count < 2) continue;
      const keys = { partitionKey: window.partitionKey, rowKey: window.rowKey };
      let etag: string;
      try {
        etag = await this.#table.merge({ ...keys, flushState: 'flushing', flushLeaseUntil: new Date(now.getTime() + leaseMs).toISOString() }, stored.etag);
      } catch (error) {
        // Another flusher, or a failure that opened the next window (and reports the count itself).
        if (isAppError(error) && error.code === 'Conflict') continue;
        throw error;
      }
      const fromKeys = splitRowKey(window.rowKey);
      const workspaceId = window.workspaceId ?? fromKey(window.partitionKey);
      yield {
        keys,
        etag,
        workspaceId,
        workspaceName: window.workspaceName ?? workspaceId.split('/').pop() ?? workspaceId,
        experimentName: window.experimentName ?? fromKeys.experimentName,
        channel: window.channel ?? fromKeys.channel,
        folded: window.count - 1,
        windowStart: window.windowStart,
        windowEnd: window.windowEnd,
        leaderEventId: window.leaderEventId,
        lastJobName: window.lastJobName,
        lastErrorText: window.lastErrorText,
        lastStudioLink: window.lastStudioLink,
      };
    }
  }

  /** Records that the window's summary went out. `false` when the claim lapsed and someone else took the window. */
  markFlushed(claim: FlushClaim): Promise<boolean> {
    return this.#settleFlush(claim, 'flushed');
  }

  /** Gives the window back after a failed send, so the next flush (or the next failure's message) reports it. */
  releaseFlush(claim: FlushClaim): Promise<boolean> {
    return this.#settleFlush(claim, 'pending');
  }

  async #settleFlush(claim: FlushClaim, flushState: 'flushed' | 'pending'): Promise<boolean> {
    try {
      await this.#table.merge({ ...claim.keys, flushState }, claim.etag);
      return true;
    } catch (error) {
      if (isAppError(error) && error.code === 'Conflict') return false;
      throw error;
    }
  }

  /** Records that the window's leader message went out. */
  async markSent(key: BurstKey, eventId: string): Promise<void> {
    const keys = burstKeys(key);
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      const stored = await this.#table.get(keys.partitionKey, keys.rowKey);
      if (stored === undefined || stored.entity.leaderEventId !== eventId || stored.entity.leaderSent) return;
      try {
        await this.#table.merge({ ...keys, leaderSent: true }, stored.etag);
        return;
      } catch (error) {
        if (isAppError(error) && error.code === 'Conflict') continue;
        throw error;
      }
    }
  }
}

function leaseLapsed(window: BurstWindowEntity, now: Date): boolean {
  return window.flushLeaseUntil === undefined || Date.parse(window.flushLeaseUntil) <= now.getTime();
}

/** `experiment|channel`, split at the last bar (channel names are policy keys; experiment names may hold anything). */
function splitRowKey(rowKey: string): { experimentName: string; channel: string } {
  const decoded = fromKey(rowKey);
  const bar = decoded.lastIndexOf('|');
  return bar < 0 ? { experimentName: decoded, channel: '' } : { experimentName: decoded.slice(0, bar), channel: decoded.slice(bar + 1) };
}

export function createBurstWindows(state: StateStore): BurstWindows {
  return new BurstWindows(state.table(BURST_WINDOW_TABLE, windowSchema));
}
