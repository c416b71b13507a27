/**
 * A sweep's report read back (`aml-warden report show`): from the run's workspace results in the ledger when they
 * are still there — every line, however large the report — else as stored. A run planned not to be stored
 * (the CLI's default) is found in the ledger alone.
 */
import { reportOfRun } from './closeRun.js';
import { withQuota } from './quotaSweep.js';
import type { SweepDeps } from './deps.js';
import type { SweepReport } from './sweepReport.js';

export async function readReport(deps: Pick<SweepDeps, 'ledger' | 'reports'>, runId: string): Promise<SweepReport | undefined> {
  const stored = runId === 'latest' ? await deps.reports.latest() : await deps.reports.findById(runId);
  const run = stored === undefined ? await deps.ledger.findRun(runId) : await deps.ledger.run(stored.runId, stored.startedAt);
  if (run === undefined || run.status !== 'Completed') return stored;
  const finishedAt = stored?.finishedAt ?? run.finishedAt ?? run.startedAt;
  const rebuilt = await reportOfRun(deps, run, new Date(finishedAt));
  // An emptied ledger (its rows expired) leaves the stored report as the record.
  return stored !== undefined && rebuilt.workspaces === 0 ? stored : withQuota(rebuilt, stored?.quota);
}
