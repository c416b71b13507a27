import type { NotificationDeps } from '../notifications/sendNotification.js';
import type { Policy } from '../policy/policySchema.js';
import type { BurstWindows, FlushSchedule, NotificationLedger, RunRecords } from './ports.js';

/** Everything failed-run and lifecycle notifications run with; `composition.ts` builds it. */
export interface RunNotificationDeps extends NotificationDeps {
  readonly policy: Policy;
  readonly runs: RunRecords;
  readonly dedup: NotificationLedger;
  readonly bursts: BurstWindows;
  /** Where a new window asks for its flush. */
  readonly flushes: FlushSchedule;
  /** Azure ML studio's base URL, for links to runs. */
  readonly studioUrl: string;
  readonly now: () => Date;
}
