/**
 * GET /api/health — liveness plus a configuration summary without secrets. Invalid configuration
 * answers 503 with the message naming the setting or policy path, so a misconfigured app says why
 * instead of failing every invocation obscurely.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import type { Config } from '../config.js';
import { isAppError } from '../errors.js';

/** The functions this app registers (infra and Event Grid subscriptions point at these names); a test holds it to the registrations. */
export const appFunctionNames = [
  'amlEvents',
  'resourceEvents',
  'eventsWebhook',
  'complianceSweep',
  'computeRequests',
  'computeRequestById',
  'computeRequestApprove',
  'computeRequestReject',
  'computeRequestsWorker',
  'notificationFlush',
  'health',
  'openapi',
] as const;

const noStore = { 'cache-control': 'no-store' };

/** The health answer for whatever `readConfig` yields: 200 with the summary, or 503 naming what is wrong. */
export async function healthReport(readConfig: () => Config, log: Pick<InvocationContext, 'error'>): Promise<HttpResponseInit> {
  // Imported here, not at the top: the entry must load without the config reader's dependencies.
  const [{ describeConfig, readAppVersion }, { summarizePolicy }, { peekServices }] = await Promise.all([
    import('../config.js'),
    import('../policy/summary.js'),
    import('../app/services.js'),
  ]);
  try {
    const config = readConfig();
    const telemetry = peekServices()?.telemetry.snapshot();
    return {
      status: 200,
      jsonBody: {
        status: 'ok',
        version: readAppVersion(config.appRoot),
        functions: appFunctionNames,
        config: describeConfig(config),
        policy: { source: config.settings.policyPath, mode: config.policy.mode, ...summarizePolicy(config.policy) },
        ...(telemetry === undefined ? {} : { telemetry }),
      },
      headers: noStore,
    };
  } catch (error) {
    if (isAppError(error)) {
      log.error(`Configuration is invalid: ${error.message}`);
      const target = error.target === undefined ? {} : { target: error.target };
      return { status: 503, jsonBody: { status: 'error', error: { code: error.code, message: error.message, ...target } }, headers: noStore };
    }
    log.error('Configuration could not be loaded', error);
    return { status: 503, jsonBody: { status: 'error', error: { code: 'Internal', message: 'Configuration could not be loaded' } }, headers: noStore };
  }
}

export async function healthHandler(_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const { getConfig } = await import('../config.js');
  return healthReport(getConfig, context);
}

app.http('health', { route: 'health', methods: ['GET'], authLevel: 'anonymous', handler: healthHandler });
