import type { HttpResponseInit } from '@azure/functions';
import { ensureError, isAppError } from '../errors.js';

/** Where the mapper reports what callers must not see; an `InvocationContext` fits. */
export interface ErrorLog {
  error(...args: unknown[]): void;
}

export interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly target?: string;
    readonly details?: readonly { target: string; message: string }[];
  };
}

/**
 * The one place any error becomes an HTTP response: `{error: {code, message, target?, details?}}`
 * with the status the `AppError` carries. Anything else is a 500 "Internal error" whose cause is
 * logged, never returned.
 */
export function toHttpResponse(error: unknown, log?: ErrorLog): HttpResponseInit {
  if (isAppError(error)) {
    if (error.status >= 500) log?.error(`${error.code}: ${error.message}`, { module: error.module, target: error.target });
    const body: ErrorBody = {
      error: {
        code: error.code,
        message: error.message,
        ...(error.target === undefined ? {} : { target: error.target }),
        ...(error.details.length === 0 ? {} : { details: error.details }),
      },
    };
    const headers: Record<string, string> = {};
    if (error.status === 401) headers['WWW-Authenticate'] = 'Bearer error="invalid_token"';
    // Event Grid and well-behaved clients back off on 503; tell them roughly when to come back.
    if (error.status === 503) headers['Retry-After'] = '30';
    return { status: error.status, jsonBody: body, headers };
  }
  const unexpected = ensureError(error);
  log?.error(`Internal error: ${unexpected.message}`, unexpected.stack);
  const body: ErrorBody = { error: { code: 'Internal', message: 'Internal error' } };
  return { status: 500, jsonBody: body };
}
