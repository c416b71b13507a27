/**
 * The read-only API for operators (`/api/sweep-reports`, `/api/cd-runs`): each route checks the bearer token (401)
 * and the `Operator` app role (403), a person's or a monitoring application's, before it reads anything.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { AppError } from '../errors.js';
import { httpHandler, type AppHttpHandler } from './httpHandler.js';
import { appRoles, requireRole, type TokenVerifier } from './principal.js';

export interface OperatorRouteDeps {
  /** Undefined when the API's token validation is not configured. */
  readonly tokens: TokenVerifier | undefined;
}

export type OperatorOperation<D> = (request: HttpRequest, deps: D, context: InvocationContext) => Promise<HttpResponseInit>;

/** An HTTP handler that runs `operation` for a caller whose valid token holds the `Operator` role, and refuses anyone else. */
export function operatorRoute<D extends OperatorRouteDeps>(loadDeps: () => Promise<D>, operation: OperatorOperation<D>): AppHttpHandler {
  return httpHandler(async (request, context) => {
    const deps = await loadDeps();
    if (deps.tokens === undefined) {
      throw new AppError('ConfigurationError', 'the API needs AML_WARDEN_AUTH_TENANT_ID and AML_WARDEN_AUTH_CLIENT_ID', { target: 'AML_WARDEN_AUTH_TENANT_ID', module: 'http' });
    }
    requireRole(await deps.tokens.verify(request), appRoles.operator);
    return operation(request, deps, context);
  });
}

/** Answers the API reads: never cached, they change as the app works. */
export const noStore = { 'cache-control': 'no-store' } as const;
