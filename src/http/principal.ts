import { AppError } from '../errors.js';

/** Who called, as the validated bearer token says. */
export interface Principal {
  /** `oid`, else `sub`. */
  readonly id: string;
  /** `preferred_username`, else `upn`, else `name`, else the id. */
  readonly name: string;
  /** App roles from the `roles` claim. */
  readonly roles: readonly string[];
}

export const appRoles = {
  computeRequester: 'ComputeRequester',
  computeApprover: 'ComputeApprover',
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
