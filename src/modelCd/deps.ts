import type { NotificationDeps } from '../notifications/sendNotification.js';
import type { Policy } from '../policy/policySchema.js';
import type { Telemetry } from '../shared/telemetry.js';
import type { CdDecisions, CdLedger, CdTargets, ModelRegistry } from './ports.js';

/** Everything model CD and drift retraining run with; `composition.ts` builds it. */
export interface ModelCdDeps extends NotificationDeps {
  readonly policy: Policy;
  readonly registry: ModelRegistry;
  readonly targets: CdTargets;
  readonly ledger: CdLedger;
  readonly decisions: CdDecisions;
  readonly telemetry: Telemetry;
  /**
   * How long after claiming a run it may still be started: the ledger's lease less two outbound timeouts, so the
   * claim cannot lapse while the run is being started (a takeover then could not find it yet, and would start
   * another).
   */
  readonly startRunWithinMs: number;
  readonly now: () => Date;
}
