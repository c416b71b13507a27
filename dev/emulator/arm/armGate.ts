import type { IncomingHttpHeaders } from 'node:http';
import type { EmulatorContext } from '../context.js';
import { armError, type EmulatorResponse } from '../router.js';
import type { ArmThrottle } from '../throttle.js';

export const ARM_AUDIENCE = 'https://management.azure.com';

export interface ArmCall {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
}

export type ArmAdmission =
  | { readonly admitted: true; readonly principal: string; readonly headers: Record<string, string> }
  | { readonly admitted: false; readonly response: EmulatorResponse };

/** Paths ARM serves: subscription scopes and tenant-level providers (Resource Graph). */
export function isArmPath(path: string): boolean {
  return /^\/(subscriptions|providers)(\/|$)/i.test(path);
}

/**
 * What ARM checks before any provider sees a request, in ARM's order: a bearer token for the ARM
 * audience, an api-version, then the caller's throttling budget.
 */
export async function admitArmCall(call: ArmCall, context: EmulatorContext, throttle: ArmThrottle): Promise<ArmAdmission> {
  const authorization = call.headers.authorization;
  const challenge = { 'WWW-Authenticate': `Bearer authorization_uri="${context.baseUrl}/idp", error="invalid_token", error_description="The authentication failed because of missing 'Authorization' header."` };
  if (!authorization) {
    return { admitted: false, response: armError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.", challenge) };
  }
  const token = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
  if (!token) {
    return { admitted: false, response: armError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is provided in an invalid format.", challenge) };
  }
  const verified = await context.verifyToken(token, ARM_AUDIENCE);
  if ('error' in verified) {
    return { admitted: false, response: armError(401, 'InvalidAuthenticationToken', `The access token is invalid. ${verified.error}`, challenge) };
  }
  if (!call.query.get('api-version')) {
    return { admitted: false, response: armError(400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests.") };
  }
  const principal = verified.principal;
  if (/^\/providers\/Microsoft\.ResourceGraph\//i.test(call.path)) {
    const decision = throttle.takeResourceGraph(principal);
    if (!decision.allowed) {
      return {
        admitted: false,
        response: armError(429, 'RateLimiting', 'Please provide below info when asking for support: the Resource Graph query quota for this user is exhausted; retry after the quota resets.', {
          ...decision.headers,
          'Retry-After': String(decision.retryAfterSeconds),
        }),
      };
    }
    return { admitted: true, principal, headers: decision.headers };
  }
  const subscriptionId = /^\/subscriptions\/([^/]+)/i.exec(call.path)?.[1];
  if (subscriptionId === undefined) return { admitted: true, principal, headers: {} };
  const kind = call.method === 'GET' || call.method === 'HEAD' ? 'read' : 'write';
  const decision = throttle.takeArm(subscriptionId, principal, kind);
  if (!decision.allowed) {
    return {
      admitted: false,
      response: armError(429, 'TooManyRequests', `The request is being throttled: the subscription's ${kind} budget for this principal is exhausted.`, {
        ...decision.headers,
        'Retry-After': String(decision.retryAfterSeconds),
      }),
    };
  }
  return { admitted: true, principal, headers: decision.headers };
}
