/**
 * Reports the failures folded into burst windows that have closed: one summary per window ("N more failures of
 * experiment X in the last 5 minutes", with the last error and a studio link), sent once however many instances
 * run the flush — each window is claimed with a conditional write before its summary is sent, then marked
 * flushed. Each window asks for its flush when it opens (`FlushSchedule`, a delayed queue message). A transient
 * failure gives the window back and asks for another flush a minute later; a permanent one (the channel is gone
 * from the policy, the webhook refuses the message) is logged and not retried.
 */
import { ensureError, isAppError } from '../errors.js';
import { sendNotification } from '../notifications/sendNotification.js';
import type { Log } from '../shared/log.js';
import type { RunNotificationDeps } from './deps.js';
import { burstSummary } from './failedRunMessages.js';

/** How long a summary that could not be sent waits for the next attempt. */
const RETRY_AFTER_MS = 60_000;

export interface FlushOptions {
  /** Clock (tests): windows that ended before it are flushed. */
  readonly now?: Date;
  readonly leaseMs?: number;
}

export interface FlushOutcome {
  /** Summaries sent. */
  readonly sent: number;
  /** Windows whose summary could not be sent (given back for the next flush). */
  readonly failed: number;
}

/**
 * A flush message's work: windows that closed by `due` are flushed; a message that arrives before it (a clock
 * ahead of the queue service's) asks again for `due` instead of finding the window still open and ending.
 */
export async function flushDueWindows(deps: RunNotificationDeps, log: Log, due: Date | undefined): Promise<FlushOutcome & { readonly early: boolean }> {
  if (due !== undefined && deps.now().getTime() < due.getTime()) {
    await deps.flushes.flushAfter(due);
    return { sent: 0, failed: 0, early: true };
  }
  return { ...(await flushBurstWindows(deps, log)), early: false };
}

export async function flushBurstWindows(deps: RunNotificationDeps, log: Log, options: FlushOptions = {}): Promise<FlushOutcome> {
  const windows = deps.bursts;
  let sent = 0;
  let failed = 0;
  let retry = false;
  for await (const claim of windows.claimClosed(options.now ?? deps.now(), options.leaseMs)) {
    try {
      // The summary speaks for the window, so it carries the id of the event that opened it.
      await sendNotification(deps, log, claim.channel, 'failedRuns', burstSummary({ ...claim, eventId: claim.leaderEventId }));
    } catch (error) {
      failed += 1;
      const message = ensureError(error).message;
      if (isAppError(error) && error.transient) {
        await windows.releaseFlush(claim);
        retry = true;
        log.warn(`Burst summary for experiment '${claim.experimentName}' not sent; retried in a minute: ${message}`);
      } else {
        await windows.markFlushed(claim);
        log.error(`Burst summary for experiment '${claim.experimentName}' on channel '${claim.channel}' could not be sent and is dropped: ${message}`);
      }
      continue;
    }
    sent += 1;
    if (!(await windows.markFlushed(claim))) {
      log.warn(`Burst summary for experiment '${claim.experimentName}' was sent after its claim lapsed; it may be reported again`);
    }
  }
  if (retry) await deps.flushes.flushAfter(new Date((options.now ?? deps.now()).getTime() + RETRY_AFTER_MS));
  return { sent, failed };
}
