/**
 * Errors of the local identity provider, in Entra ID's form: an OAuth 2.0 `error` code, and an `error_description`
 * that starts with the AADSTS code and its message (MicrosoftDocs/entra-docs `docs/identity-platform/
 * reference-error-codes.md`, "Handling error codes in your application"; `v2-oauth2-auth-code-flow.md`, "Error response").
 * The token endpoint answers them as JSON with `error_codes`, `timestamp`, `trace_id` and `correlation_id`; the
 * authorization endpoint sends them to the redirect URI, or shows them on a page when the redirect URI cannot be trusted.
 *
 * The AADSTS messages are Entra's as its documentation and its answers word them; where Entra's message names no
 * field, the emulator's says which one.
 */
import { randomUUID } from 'node:crypto';
import type { EmulatorResponse } from './router.js';

export interface EntraError {
  /** The OAuth 2.0 error code: `invalid_request`, `invalid_grant`, ... */
  readonly error: string;
  /** The AADSTS number. */
  readonly code: number;
  readonly message: string;
}

export function entraError(error: string, code: number, message: string): EntraError {
  return { error, code, message };
}

/** `AADSTS70008: The provided authorization code ...` */
export function describeEntraError(failure: EntraError): string {
  return `AADSTS${failure.code}: ${failure.message}`;
}

/** Entra's timestamp form in error answers: `2016-01-09 02:02:12Z`. */
export function entraTimestamp(at: Date): string {
  return `${at.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

/** A request's trace and correlation ids and time, as Entra reports them with every error. */
export interface ErrorTrace {
  readonly traceId: string;
  readonly correlationId: string;
  readonly timestamp: string;
}

export function newErrorTrace(correlationId: string | undefined, at: Date = new Date()): ErrorTrace {
  return { traceId: randomUUID(), correlationId: correlationId ?? randomUUID(), timestamp: entraTimestamp(at) };
}

/** `error_description` with the trace lines Entra appends. */
export function errorDescription(failure: EntraError, trace: ErrorTrace): string {
  return `${describeEntraError(failure)}\r\nTrace ID: ${trace.traceId}\r\nCorrelation ID: ${trace.correlationId}\r\nTimestamp: ${trace.timestamp}`;
}

/** The token endpoint's JSON error; `invalid_client` is a 401, as RFC 6749 §5.2 has it, everything else a 400. */
export function tokenEndpointError(failure: EntraError, trace: ErrorTrace, headers: Readonly<Record<string, string>> = {}): EmulatorResponse {
  return {
    status: failure.error === 'invalid_client' ? 401 : 400,
    headers: { 'cache-control': 'no-store', pragma: 'no-cache', ...headers },
    body: {
      error: failure.error,
      error_description: errorDescription(failure, trace),
      error_codes: [failure.code],
      timestamp: trace.timestamp,
      trace_id: trace.traceId,
      correlation_id: trace.correlationId,
    },
  };
}

/** AADSTS900144: a required parameter is missing. */
export function missingParameter(name: string): EntraError {
  return entraError('invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`);
}

/** AADSTS90002: the tenant in the path is not this one. */
export function tenantNotFound(tenant: string): EntraError {
  return entraError('invalid_request', 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
}

/** AADSTS700016: no application with that client ID in the tenant. */
export function applicationNotFound(error: string, clientId: string, tenantId: string): EntraError {
  return entraError(
    error,
    700016,
    `Application with identifier '${clientId}' was not found in the directory '${tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
  );
}
