/** Everything the compliance sweep runs with; `composition.ts` builds it. */
import type { GovernanceDeps } from '../governance/deps.js';
import type { NotificationDeps } from '../notifications/sendNotification.js';
import type { Policy } from '../policy/policySchema.js';
import type { Telemetry } from '../shared/telemetry.js';
import type { SweepLedger, SweepReportStore, SweepSliceQueue, WorkspaceInventory } from './ports.js';
import type { QuotaReader } from './quota/ports.js';

/** How much one slice message takes on. */
export interface SliceLimits {
  /** Workspaces one message takes on at most. */
  readonly maxWorkspaces: number;
  /** Stop starting workspaces after this long (the function's timeout is longer). */
  readonly budgetMs: number;
  /** Workspaces in flight at once. */
  readonly concurrency: number;
}

export interface SweepDeps extends NotificationDeps {
  readonly policy: Policy;
  readonly inventory: WorkspaceInventory;
  readonly ledger: SweepLedger;
  readonly slices: SweepSliceQueue;
  readonly reports: SweepReportStore;
  readonly telemetry: Telemetry;
  /** Governance with its ARM calls paced per subscription (ARM's token bucket), shared by every slice in the process. */
  readonly governance: GovernanceDeps;
  readonly sliceLimits: SliceLimits;
  /** Azure ML compute quota per subscription and region, read once per run when the policy has `quota:`. */
  readonly quota?: QuotaReader | undefined;
  readonly now: () => Date;
}
