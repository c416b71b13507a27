/**
 * Burst windows in Table Storage, so every instance agrees (`BurstWindows` in `runNotifications/ports.ts`).
 *
 * One entity per (workspace, experiment, channel). Every change is a conditional write through `records.ts`: the
 * flush claims a closed window with an ETag-conditional write (a lease) before sending its summary, so of several
 * instances (and a racing new failure) one reports it; a lost race is simply re-read.
 */
import { z } from 'zod';
import type { BurstDecision, BurstFailure, BurstKey, BurstWindows, FlushClaim } from '../../runNotifications/ports.js';
import { contended, leaseHolds, leaseUntil, settleRecord, updateRecord } from './records.js';
import { fromKey, toKey, type EntityKeys, type StateStore, type StateTable } from './tableState.js';

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

/** How long a flusher holds a window while sending its summary (a few bounded calls); a dead flusher's claim then lapses. */
export const FLUSH_LEASE_MS = 2 * 60_000;
// Azure ML errors can carry whole stack traces; the summary needs the gist, and entities have a size limit.
const MAX_ERROR_CHARS = 4_000;

const MAX_ROUNDS = 40;

function burstKeys(key: BurstKey): EntityKeys {
  return { partitionKey: toKey(key.workspaceId.toLowerCase()), rowKey: toKey(`${key.experimentName}|${key.channel}`) };
}

class TableBurstWindows implements BurstWindows {
  readonly #table: StateTable<BurstWindowEntity>;

  constructor(table: StateTable<BurstWindowEntity>) {
    this.#table = table;
  }

  admit(key: BurstKey, eventId: string, now: Date, windowMs: number, failure: BurstFailure): Promise<BurstDecision> {
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
    return updateRecord<BurstWindowEntity, BurstDecision>(
      this.#table,
      keys,
      (current, round) => {
        if (current === undefined) return { write: opening(0, undefined), result: () => ({ send: true, previousFolded: 0, previousWindowStart: undefined, windowEnd }) };
        const window = current.entity;
        if (window.leaderEventId === eventId) {
          return {
            answer: window.leaderSent
              ? { send: false, count: window.count, windowEnd: window.windowEnd }
              : { send: true, previousFolded: window.previousFolded, previousWindowStart: window.previousWindowStart, windowEnd: window.windowEnd },
          };
        }
        // Once a flusher has taken the window it is closed, whatever this instance's clock says.
        const open = Date.parse(window.windowEnd) > now.getTime() && (window.flushState ?? 'pending') === 'pending';
        if (open) {
          // Replace, not merge: a failure without an error must not keep the previous one's error as "last".
          const counted = { ...window, ...keys, count: window.count + 1, ...latest };
          if (failure.errorText === undefined) delete counted.lastErrorText;
          return { write: counted, result: () => ({ send: false, count: window.count + 1, windowEnd: window.windowEnd }) };
        }
        // A flusher is sending this window's summary right now; wait for it rather than report the count twice.
        if (window.flushState === 'flushing' && leaseHolds(window.flushLeaseUntil, now)) return { wait: backoffMs(round) };
        // Folded failures the flush did not report, and a leader that was never sent, are carried into this message.
        const folded = window.flushState === 'flushed' ? 0 : window.count - 1;
        const unreported = folded + (window.leaderSent ? 0 : 1);
        return { write: opening(unreported, window.windowStart), result: () => ({ send: true, previousFolded: unreported, previousWindowStart: window.windowStart, windowEnd }) };
      },
      { rounds: MAX_ROUNDS, backoffMs, exhausted: () => Promise.reject(contended('The burst window', 'burstWindow')) },
    );
  }

  async *claimClosed(now: Date, leaseMs: number = FLUSH_LEASE_MS): AsyncIterable<FlushClaim> {
    const closed = this.#table.query([
      { property: 'windowEnd', op: 'lt', value: now.toISOString() },
      { property: 'count', op: 'gt', value: 1 },
    ]);
    for await (const stored of closed) {
      const window = stored.entity;
      if (window.flushState === 'flushed' || (window.flushState === 'flushing' && leaseHolds(window.flushLeaseUntil, now))) continue;
      if (Date.parse(window.windowEnd) > now.getTime() || window.count < 2) continue;
      const keys = { partitionKey: window.partitionKey, rowKey: window.rowKey };
      // Of several flushers (or a failure that opened the next window, and reports the count itself) one wins.
      const version = await settleRecord(this.#table, keys, stored.etag, { flushState: 'flushing', flushLeaseUntil: leaseUntil(now, leaseMs) });
      if (version === false) continue;
      const fromKeys = splitRowKey(window.rowKey);
      const workspaceId = window.workspaceId ?? fromKey(window.partitionKey);
      const experimentName = window.experimentName ?? fromKeys.experimentName;
      const channel = window.channel ?? fromKeys.channel;
      yield {
        key: { workspaceId, experimentName, channel },
        version,
        workspaceId,
        workspaceName: window.workspaceName ?? workspaceId.split('/').pop() ?? workspaceId,
        experimentName,
        channel,
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

  markFlushed(claim: FlushClaim): Promise<boolean> {
    return this.#settleFlush(claim, 'flushed');
  }

  releaseFlush(claim: FlushClaim): Promise<boolean> {
    return this.#settleFlush(claim, 'pending');
  }

  async #settleFlush(claim: FlushClaim, flushState: 'flushed' | 'pending'): Promise<boolean> {
    return (await settleRecord(this.#table, burstKeys(claim.key), claim.version, { flushState })) !== false;
  }

  markSent(key: BurstKey, eventId: string): Promise<void> {
    return updateRecord<BurstWindowEntity, void>(
      this.#table,
      burstKeys(key),
      (current) => {
        if (current === undefined || current.entity.leaderEventId !== eventId || current.entity.leaderSent) return { answer: undefined };
        return { write: { ...current.entity, leaderSent: true }, result: () => undefined };
      },
      { rounds: MAX_ROUNDS, backoffMs: () => 0, exhausted: () => undefined },
    );
  }
}

/** A short random pause after a lost race, so a burst of concurrent failures does not collide in lockstep. */
function backoffMs(round: number): number {
  return Math.random() * Math.min(10 * (round + 1), 200);
}

/** `experiment|channel`, split at the last bar (channel names are policy keys; experiment names may hold anything). */
function splitRowKey(rowKey: string): { experimentName: string; channel: string } {
  const decoded = fromKey(rowKey);
  const bar = decoded.lastIndexOf('|');
  return bar < 0 ? { experimentName: decoded, channel: '' } : { experimentName: decoded.slice(0, bar), channel: decoded.slice(bar + 1) };
}

export function createBurstWindows(state: StateStore): BurstWindows {
  return new TableBurstWindows(state.table(BURST_WINDOW_TABLE, windowSchema));
}
