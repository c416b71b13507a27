import type { EventLog } from './eventLog.js';
import type { Services } from '../services.js';

/** What an event use case runs with. In a dry run it reads (ARM, the ledger) but writes and sends nothing. */
export interface UseCaseContext {
  readonly services: Services;
  readonly log: EventLog;
  readonly dryRun: boolean;
}
