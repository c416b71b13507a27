import type { HttpRequest } from '@azure/functions';
import { AppError } from '../errors.js';
import type { Principal, TokenVerifier } from './principal.js';
import { sharedSecretMatches } from './sharedSecret.js';

export const sharedKeyHeader = 'x-aml-warden-key';

export interface DeliveryAuth {
  /** Entra bearer-token validation; undefined when not configured. */
  readonly tokens: TokenVerifier | undefined;
  /** The app role an application token must carry: the one Event Grid's delivery identity is assigned. */
  readonly requiredRole: string;
  /** Key Vault secret holding the shared key; undefined when shared-key deliveries are not configured. */
  readonly sharedKeySecretName: string | undefined;
  getSecret(name: string): Promise<string>;
}

export type DeliveryCredential =
  | { readonly kind: 'bearer'; readonly principal: Principal }
  | { readonly kind: 'sharedKey' };

/** Only an application holding the delivery role may post events. */
function authorizedDelivery(principal: Principal, requiredRole: string): Principal {
  if (principal.kind !== 'app') {
    throw new AppError('Forbidden', `event deliveries need an application token holding the app role ${requiredRole}; a user's token is never enough`, { target: 'headers.authorization', module: 'http' });
  }
  if (!principal.roles.includes(requiredRole)) {
    throw new AppError('Forbidden', `event deliveries need the app role ${requiredRole}, which this application does not hold`, { target: 'roles', module: 'http' });
  }
  return principal;
}

function unauthorized(reason: string): AppError {
  return new AppError('Unauthorized', reason, { module: 'http' });
}

/**
 * Authenticates an event delivery: the `x-aml-warden-key` header equal to the Key Vault secret, or a valid Entra
 * bearer token that is an application's (app-only: no `scp`) and carries the app role Event Grid's delivery
 * identity is assigned (`requiredRole`; MicrosoftDocs/azure-docs `event-grid/secure-webhook-delivery.md` names it
 * `AzureEventGridSecureWebhookSubscriber`). A token that is valid for the API but is a user's, or lacks the role, is
 * refused with 403: being able to sign in is never enough to inject events. With no valid credential the request
 * is refused (401) with the reason for the first credential that failed. Key Vault being unreachable is a transient
 * failure (503), so Event Grid retries instead of dropping.
 */
export async function authenticateDelivery(request: HttpRequest, auth: DeliveryAuth): Promise<DeliveryCredential> {
  let reason: string | undefined;
  const presentedKey = request.headers.get(sharedKeyHeader);
  if (presentedKey !== null) {
    if (auth.sharedKeySecretName === undefined) {
      reason = 'shared-key authentication is not configured';
    } else if (sharedSecretMatches(presentedKey, await auth.getSecret(auth.sharedKeySecretName))) {
      return { kind: 'sharedKey' };
    } else {
      reason = `the ${sharedKeyHeader} header does not match`;
    }
  }
  if (request.headers.has('authorization')) {
    if (auth.tokens === undefined) {
      reason ??= 'bearer-token authentication is not configured';
    } else {
      let principal: Principal | undefined;
      try {
        principal = await auth.tokens.verify(request);
      } catch (error) {
        if (!(error instanceof AppError) || error.code !== 'Unauthorized') throw error;
        reason ??= error.message;
      }
      if (principal !== undefined) return { kind: 'bearer', principal: authorizedDelivery(principal, auth.requiredRole) };
    }
  }
  throw unauthorized(reason ?? `no credential: send a bearer token or the ${sharedKeyHeader} header`);
}
