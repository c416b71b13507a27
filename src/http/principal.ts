import type { HttpRequest } from '@azure/functions';
import { AppError } from '../errors.js';

/** Who called, as the validated bearer token says. */
export interface Principal {
  /** `oid`: the user's or the service principal's object id in the tenant. */
  readonly id: string;
  /** v2.0 `preferred_username`, v1.0 `upn` / `unique_name`, else `name`, else the id. */
  readonly name: string;
  /** App roles from the `roles` claim. */
  readonly roles: readonly string[];
  /** `user` for a delegated token (it carries `scp`), `app` for an app-only one. */
  readonly kind: 'user' | 'app';
  /** `tid`. */
  readonly tenantId: string;
  /** The calling application: v1.0 `appid`, v2.0 `azp`. */
  readonly appId: string | undefined;
}

/** Who a request's bearer token names; `composition.ts` builds the one that validates Entra ID tokens. */
export interface TokenVerifier {
  /** The token's principal; `Unauthorized` with the reason when it is not valid for this API. */
  verify(request: HttpRequest): Promise<Principal>;
}

export const appRoles = {
  computeRequester: 'ComputeRequester',
  computeApprover: 'ComputeApprover',
  /** Reads the full health report (configuration, policy and telemetry summary): people and monitoring apps alike. */
  operator: 'Operator',
  /** Posts Azure Monitor alerts (`/api/monitor-alerts`): the app role assigned to an action group's secure webhook. */
  monitorAlertSender: 'MonitorAlertSender',
} as const;

/** Throws `Forbidden` unless the principal holds the app role (any of them, when several are given). */
export function requireRole(principal: Principal, role: string | readonly string[]): void {
  const accepted = typeof role === 'string' ? [role] : role;
  if (accepted.some((candidate) => principal.roles.includes(candidate))) return;
  throw new AppError('Forbidden', `this operation requires the app role ${accepted.join(' or ')}`, {
    target: 'roles',
    module: 'http',
  });
}
