/**
 * The compliance sweep's stored reports under `/api/sweep-reports`, for operators: the newest as summaries, or one
 * report in full (`readReport`: every line from the run's ledger while it holds them, else as stored). Read-only.
 */
import type { HttpRequest } from '@azure/functions';
import type { SweepDeps } from '../sweep/deps.js';
import { AppError } from '../errors.js';
import type { AppHttpHandler } from './httpHandler.js';
import { noStore, operatorRoute, type OperatorRouteDeps } from './operatorRoute.js';

export interface SweepReportsDeps extends OperatorRouteDeps {
  /** Where reports and runs are read; loaded only for an authenticated, authorised caller. */
  readonly sweep: () => Promise<Pick<SweepDeps, 'ledger' | 'reports'>>;
}

export interface SweepReportsHandlers {
  /** `GET /api/sweep-reports?limit=N`. */
  readonly list: AppHttpHandler;
  /** `GET /api/sweep-reports/{runId}` (`latest`: the newest stored report). */
  readonly byRunId: AppHttpHandler;
}

/** Run ids are `sweep-<time>-<hex>`; anything unlike an id is not a report. */
function runIdOf(request: HttpRequest): string {
  const runId = request.params['runId'] ?? '';
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(runId)) throw notFound(runId);
  return runId;
}

const notFound = (runId: string) =>
  new AppError('NotFound', runId === 'latest' ? 'no sweep report is stored yet' : 'sweep report not found', { target: 'runId', module: 'sweep' });

export function createSweepReportsHandlers(loadDeps: () => Promise<SweepReportsDeps>): SweepReportsHandlers {
  return {
    list: operatorRoute(loadDeps, async (request, deps) => {
      const [{ parseInput }, { listSweepReportsQuery }] = await Promise.all([import('../computeRequests/computeRequestSchemas.js'), import('../sweep/reportSchemas.js')]);
      const { limit } = parseInput(listSweepReportsQuery, Object.fromEntries(request.query.entries()), 'query');
      const summaries = await (await deps.sweep()).reports.list(limit);
      return { status: 200, jsonBody: { value: summaries, count: summaries.length }, headers: noStore };
    }),
    byRunId: operatorRoute(loadDeps, async (request, deps) => {
      const runId = runIdOf(request);
      const { readReport } = await import('../sweep/readReport.js');
      const report = await readReport(await deps.sweep(), runId);
      if (report === undefined) throw notFound(runId);
      return { status: 200, jsonBody: report, headers: noStore };
    }),
  };
}
