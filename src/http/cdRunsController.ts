/**
 * The model CD ledger under `/api/cd-runs`, for operators: model versions, most recently decided first, with the
 * targets their rules matched (or why CD skipped them) and each target's run (`modelCd/readCdRuns.ts`). Read-only.
 */
import type { ModelCdDeps } from '../modelCd/deps.js';
import type { AppHttpHandler } from './httpHandler.js';
import { noStore, operatorRoute, type OperatorRouteDeps } from './operatorRoute.js';

export interface CdRunsDeps extends OperatorRouteDeps {
  /** The decisions and the CD ledger; loaded only for an authenticated, authorised caller. */
  readonly modelCd: () => Promise<Pick<ModelCdDeps, 'decisions' | 'ledger' | 'now'>>;
}

/** `GET /api/cd-runs?limit=N&model=NAME`. */
export function createCdRunsHandler(loadDeps: () => Promise<CdRunsDeps>): AppHttpHandler {
  return operatorRoute(loadDeps, async (request, deps) => {
    const [{ parseInput }, { listCdRuns, listCdRunsQuery }] = await Promise.all([import('../computeRequests/computeRequestSchemas.js'), import('../modelCd/readCdRuns.js')]);
    const query = parseInput(listCdRunsQuery, Object.fromEntries(request.query.entries()), 'query');
    const versions = await listCdRuns(await deps.modelCd(), query);
    return { status: 200, jsonBody: { value: versions, count: versions.length }, headers: noStore };
  });
}
