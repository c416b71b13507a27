/** cdRuns — the model CD ledger at `/api/cd-runs`, served by `http/cdRunsController.ts`. */
import { app } from '@azure/functions';
import { createCdRunsHandler } from '../http/cdRunsController.js';

export const cdRunsHandler = createCdRunsHandler(async () => {
  const composed = await (await import('../composition.js')).getApp();
  return { tokens: composed.adapters.tokens, modelCd: async () => composed.modelCd };
});

app.http('cdRuns', { route: 'cd-runs', methods: ['GET'], authLevel: 'anonymous', handler: cdRunsHandler });
