/** sweepReports, sweepReportById — the stored compliance sweep reports under `/api/sweep-reports`, served by `http/sweepReportsController.ts`. */
import { app } from '@azure/functions';
import { createSweepReportsHandlers } from '../http/sweepReportsController.js';

export const sweepReportsHandlers = createSweepReportsHandlers(async () => {
  const composed = await (await import('../composition.js')).getApp();
  return { tokens: composed.adapters.tokens, sweep: async () => composed.sweep };
});

app.http('sweepReports', { route: 'sweep-reports', methods: ['GET'], authLevel: 'anonymous', handler: sweepReportsHandlers.list });
app.http('sweepReportById', { route: 'sweep-reports/{runId}', methods: ['GET'], authLevel: 'anonymous', handler: sweepReportsHandlers.byRunId });
