/**
 * Burst folding for failed-run notifications, in Table Storage so every instance agrees.
 *
 * One window per (workspace, experiment, channel). The first failure opens it and is sent at once; failures
 * arriving while it is open are counted, not sent. The first failure after it closes opens the next window and
 * its message reports how many were folded into the previous one. So a burst of any size costs one message now
 * and carries its count in the next one. All writes are ETag-conditional; a lost race is simply re-read.
 */
import { z } from 'zod';
import { AppError, isAppError } from '../errors.js';
import { toKey, type EntityKeys, type StateStore, type StateTable } from '../integrations/tableState.js';

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
});

type BurstWindowEntity = z.infer<typeof windowSchema>;

export interface BurstKey {
  readonly workspaceId: string;
  readonly experimentName: string;
  readonly channel: string;
}

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

export function burstKeys(key: BurstKey): EntityKeys {
  return { partitionKey: toKey(key.workspaceId.toLowerCase()), rowKey: toKey(`${key.experimentName}|${key.channel}`) };
}

export class BurstWindows {
  readonly #table: StateTable<BurstWindowEntity>;

  constructor(table: StateTable<BurstWindowEntity>) {
    this.#table = table;
  }

  /** Counts one failure into its window and says whether it gets a message. A redelivered leader is sent again until sent. */
  async admit(key: BurstKey, eventId: string, now: Date, windowMs: number): Promise<BurstDecision> {
    const keys = burstKeys(key);
    const windowEnd = new Date(now.getTime() + windowMs).toISOString();
    const opening = (previousFolded: number, previousWindowStart: string | undefined): BurstWindowEntity & EntityKeys => ({
      ...keys,
      windowStart: now.toISOString(),
      windowEnd,
      count: 1,
      leaderEventId: eventId,
      leaderSent: false,
      previousFolded,
      ...(previousWindowStart === undefined ? {} : { previousWindowStart }),
    });
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      const stored = await this.#table.get(keys.partitionKey, keys.rowKey);
      if (stored === undefined) {
        if ((await this.#table.insert(opening(0, undefined))) !== false) return { send: true, previousFolded: 0, previousWindowStart: undefined, windowEnd };
        await backoff(round);
        continue;
      }
      const window = stored.entity;
      const open = Date.parse(window.windowEnd) > now.getTime();
      if (window.leaderEventId === eventId) {
        return window.leaderSent
          ? { send: false, count: window.count, windowEnd: window.windowEnd }
          : { send: true, previousFolded: window.previousFolded, previousWindowStart: window.previousWindowStart, windowEnd: window.windowEnd };
      }
      try {
        if (open) {
          await this.#table.merge({ ...keys, count: window.count + 1 }, stored.etag);
          return { send: false, count: window.count + 1, windowEnd: window.windowEnd };
        }
        // Failures folded behind a leader that was never sent are still unreported: carry them too.
        const unreported = window.count - 1 + (window.leaderSent ? 0 : 1);
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

export function createBurstWindows(state: StateStore): BurstWindows {
  return new BurstWindows(state.table(BURST_WINDOW_TABLE, windowSchema));
}
