/**
 * `POST /api/monitor-alerts`: Azure Monitor alerts in the common alert schema, posted by an action group's secure
 * webhook (https://learn.microsoft.com/azure/azure-monitor/alerts/action-groups#secure-webhook). The action group
 * sends an Entra ID token for this API's identifier URI; its service principal holds the `MonitorAlertSender` app
 * role (401 without a valid token, 403 without the role). A fired alert on a model monitor starts that monitor's
 * retraining target once per alert window (`modelCd/onMonitorAlert.ts`).
 */
import type { ModelCdDeps } from '../modelCd/deps.js';
import { AppError } from '../errors.js';
import { plainLog } from '../shared/log.js';
import { httpHandler, type AppHttpHandler } from './httpHandler.js';
import { noStore } from './operatorRoute.js';
import { appRoles, requireRole, type TokenVerifier } from './principal.js';

/** Common-schema alerts are small; far more than one is not an alert. */
export const maxMonitorAlertBytes = 262_144;

export interface MonitorAlertsDeps {
  /** Undefined when the API's token validation is not configured. */
  readonly tokens: TokenVerifier | undefined;
  /** Model CD's dependencies; loaded only for an authenticated, authorised caller. */
  readonly modelCd: () => Promise<ModelCdDeps>;
}

export function createMonitorAlertsHandler(loadDeps: () => Promise<MonitorAlertsDeps>): AppHttpHandler {
  return httpHandler(async (request, context) => {
    const deps = await loadDeps();
    if (deps.tokens === undefined) {
      throw new AppError('ConfigurationError', 'the API needs AML_WARDEN_AUTH_TENANT_ID and AML_WARDEN_AUTH_CLIENT_ID', { target: 'AML_WARDEN_AUTH_TENANT_ID', module: 'http' });
    }
    requireRole(await deps.tokens.verify(request), appRoles.monitorAlertSender);
    const [{ readJsonBody }, { parseInput }, { commonAlertSchema }, { onMonitorAlert }] = await Promise.all([
      import('./readJsonBody.js'),
      import('../computeRequests/computeRequestSchemas.js'),
      import('../modelCd/commonAlertSchema.js'),
      import('../modelCd/onMonitorAlert.js'),
    ]);
    const alert = parseInput(commonAlertSchema, await readJsonBody(request, { maxBytes: maxMonitorAlertBytes }), 'body');
    const outcome = await onMonitorAlert(await deps.modelCd(), alert, { log: plainLog(context), dryRun: false });
    return { status: 200, jsonBody: outcome, headers: noStore };
  });
}
