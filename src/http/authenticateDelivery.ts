import type { HttpRequest } from '@azure/functions';
import { AppError } from '../errors.js';
import type { Principal } from './principal.js';
import { sharedSecretMatches } from './sharedSecret.js';
import { verifyBearer, type BearerAuth, type FetchJson } from './verifyBearer.js';

export const sharedKeyHeader = 'x-aml-warden-key';

export interface DeliveryAuth {
  /** Entra bearer-token validation; undefined when not configured. */
  readonly bearer: BearerAuth | undefined;
  /** Key Vault secret holding the shared key; undefined when shared-key deliveries are not configured. */
  readonly sharedKeySecretName: string | undefined;
  getSecret(name: string): Promise<string>;
  fetchJson: FetchJson;
}

export type DeliveryCredential =
  | { readonly kind: 'bearer'; readonly principal: Principal }
  | { readonly kind: 'sharedKey' };

function unauthorized(reason: string): AppError {
  return new AppError('Unauthorized', reason, { module: 'http' });
}

/**
 * Authenticates an event delivery: a valid Entra bearer token, or the `x-aml-warden-key` header
 * equal to the Key Vault secret. Either one suffices; with neither valid the request is refused
 * (401) with the reason for the first credential that failed. Key Vault being unreachable is a
 * transient failure (503), so Event Grid retries instead of dropping.
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
    if (auth.bearer === undefined) {
      reason ??= 'bearer-token authentication is not configured';
    } else {
      try {
        return { kind: 'bearer', principal: await verifyBearer(request, auth.bearer, auth.fetchJson) };
      } catch (error) {
        if (!(error instanceof AppError) || error.code !== 'Unauthorized') throw error;
        reason ??= error.message;
      }
    }
  }
  throw unauthorized(reason ?? `no credential: send a bearer token or the ${sharedKeyHeader} header`);
}
