import type { Log } from './log.js';

/** How one use case runs: where it reports, and whether it only works out what it would do (reads, writes nothing). */
export interface RunContext {
  readonly log: Log;
  readonly dryRun: boolean;
}
