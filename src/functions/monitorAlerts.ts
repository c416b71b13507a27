/** monitorAlerts — Azure Monitor alerts (common alert schema) from an action group at `/api/monitor-alerts`, served by `http/monitorAlertsController.ts`. */
import { app } from '@azure/functions';
import { createMonitorAlertsHandler } from '../http/monitorAlertsController.js';

export const monitorAlertsHandler = createMonitorAlertsHandler(async () => {
  const composed = await (await import('../composition.js')).getApp();
  return { tokens: composed.adapters.tokens, modelCd: async () => composed.modelCd };
});

app.http('monitorAlerts', { route: 'monitor-alerts', methods: ['POST'], authLevel: 'anonymous', handler: monitorAlertsHandler });
