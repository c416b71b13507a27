/**
 * `GET /api/health` — liveness for anyone; for an operator's token, a configuration summary without secrets. Invalid
 * configuration answers 503 naming the setting (and, to operators and in the log, why: for an invalid policy file,
 * every problem with its line and column), so a misconfigured app says so instead of failing every invocation
 * obscurely.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { Config } from '../config.js';
import { AppError, isAppError } from '../errors.js';
import { appFunctionNames } from '../functionNames.js';
import type { TokenVerifier } from './principal.js';

const noStore = { 'cache-control': 'no-store' };

/** Who asks: anyone (liveness only), or a caller whose token holds the `Operator` app role (the full report). */
export type HealthAudience = 'anonymous' | 'operator';

/**
 * The health answer for whatever `readConfig` yields. Anyone gets liveness: `status` and `version`, and when the
 * configuration is invalid a 503 with the error's code and the setting it names. The configuration summary (Key
 * Vault, issuer, secret names, CD targets), the policy summary, telemetry counts, the error's message and an invalid
 * policy file's problems are for operators only.
 */
export async function healthReport(readConfig: () => Config, log: Pick<InvocationContext, 'error'>, audience: HealthAudience = 'operator'): Promise<HttpResponseInit> {
  // Imported here, not at the top: the entry must load without the config reader's dependencies.
  const [{ describeConfig, readAppVersion }, { summarizePolicy }, { peekApp }, { PolicyFileError }] = await Promise.all([
    import('../config.js'),
    import('../policy/summary.js'),
    import('../composition.js'),
    import('../policy/document.js'),
  ]);
  try {
    const config = readConfig();
    const version = readAppVersion(config.appRoot);
    if (audience === 'anonymous') return { status: 200, jsonBody: { status: 'ok', version }, headers: noStore };
    const telemetry = peekApp()?.telemetry.snapshot();
    return {
      status: 200,
      jsonBody: {
        status: 'ok',
        version,
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
      // What is wrong inside the policy file is for operators; anyone else learns only which setting names the file.
      const policyFile = error instanceof PolicyFileError;
      const targetName = policyFile ? 'AML_WARDEN_POLICY' : error.target;
      const target = targetName === undefined ? {} : { target: targetName };
      const why =
        audience === 'operator'
          ? { message: error.message, ...(policyFile && error.problems.length > 0 ? { problems: error.problems } : {}) }
          : {};
      return { status: 503, jsonBody: { status: 'error', error: { code: error.code, ...why, ...target } }, headers: noStore };
    }
    log.error('Configuration could not be loaded', error);
    return { status: 503, jsonBody: { status: 'error', error: { code: 'Internal', message: 'Configuration could not be loaded' } }, headers: noStore };
  }
}

/**
 * Without an `Authorization` header: liveness. With one: the token must be valid for this API (401) and hold the
 * `Operator` app role (403), a person's or a monitoring application's. While the policy file is invalid no app can be
 * composed, so the token is validated from the settings alone, and an operator still learns every problem in the
 * file. When the settings themselves cannot be read there is no token validation to ask, so everyone gets the
 * liveness answer and the message is in the log.
 */
export async function handleHealth(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const [{ getConfig }, { PolicyFileError }] = await Promise.all([import('../config.js'), import('../policy/document.js')]);
  let config: Config | undefined;
  let configError: unknown;
  try {
    config = getConfig();
  } catch (error) {
    // Reported by the answer below, which reads it again and logs why.
    configError = error;
  }
  if (request.headers.get('authorization') === null) return healthReport(getConfig, context, 'anonymous');
  const [{ appRoles, requireRole }, { getApp, tokensWithoutPolicy }] = await Promise.all([import('./principal.js'), import('../composition.js')]);
  let tokens: TokenVerifier | undefined;
  if (config !== undefined) {
    tokens = (await getApp()).adapters.tokens;
  } else if (configError instanceof PolicyFileError) {
    try {
      tokens = tokensWithoutPolicy();
    } catch {
      return healthReport(getConfig, context, 'anonymous');
    }
  } else {
    return healthReport(getConfig, context, 'anonymous');
  }
  if (tokens === undefined) {
    throw new AppError('Unauthorized', 'this app validates no tokens (AML_WARDEN_AUTH_TENANT_ID and AML_WARDEN_AUTH_CLIENT_ID are not set)', { target: 'authorization', module: 'health' });
  }
  requireRole(await tokens.verify(request), appRoles.operator);
  return healthReport(getConfig, context, 'operator');
}
