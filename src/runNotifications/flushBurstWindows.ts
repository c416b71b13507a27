/**
 * Reports the failures folded into burst windows that have closed: one summary per window ("N more failures of
 * experiment X in the last 5 minutes", with the last error and a studio link), sent once however many instances
 * run the flush — each window is claimed with a conditional write before its summary is sent, then marked
 * flushed. A transient failure gives the window back for the next flush; a permanent one (the channel is gone
 * from the policy, the webhook refuses the message) is logged and not retried every minute.
 */
import { ensureError, isAppError } from '../errors.js';
import { sendNotification } from '../notifications/sendNotification.js';
import type { Log } from '../shared/log.js';
import type { RunNotificationDeps } from './deps.js';
import { burstSummary } from './failedRunMessages.js';

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

export async function flushBurstWindows(deps: RunNotificationDeps, log: Log, options: FlushOptions = {}): Promise<FlushOutcome> {
  const windows = deps.bursts;
  let sent = 0;
  let failed = 0;
  for await (const claim of windows.claimClosed(options.now ?? deps.now(), options.leaseMs)) {
    try {
      // The summary speaks for the window, so it carries the id of the event that opened it.
      await sendNotification(deps, log, claim.channel, 'failedRuns', burstSummary({ ...claim, eventId: claim.leaderEventId }));
    } catch (error) {
      failed += 1;
      const message = ensureError(error).message;
      if (isAppError(error) && error.transient) {
        await windows.releaseFlush(claim);
        log.warn(`Burst summary for experiment '${claim.experimentName}' not sent; the next flush retries it: ${message}`);
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
  return { sent, failed };
}
