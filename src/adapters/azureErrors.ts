/**
 * Turns what an Azure SDK throws (RestError, network and abort errors) into the app's AppError.
 * Only the status and the service's error code are kept: SDK errors carry the request, whose
 * headers hold credentials, so the original is never attached.
 */
import { AppError, type ErrorCode } from '../errors.js';

export interface AzureErrorFacts {
  /** HTTP status, when the service answered. */
  readonly statusCode: number | undefined;
  /** The service's error code (`ResourceNotFound`, `EntityAlreadyExists`, `ECONNREFUSED`...). */
  readonly code: string | undefined;
}

/** Reads status and code from anything an SDK throws, without trusting its shape. */
export function azureErrorFacts(error: unknown): AzureErrorFacts {
  if (typeof error !== 'object' || error === null) return { statusCode: undefined, code: undefined };
  const statusCode = 'statusCode' in error && typeof error.statusCode === 'number' ? error.statusCode : undefined;
  const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  return { statusCode, code };
}

/** Throttling, server errors and failures to get an answer at all are worth retrying. */
export function isTransientAzureError(error: unknown): boolean {
  if (error instanceof AppError) return error.transient;
  const { statusCode, code } = azureErrorFacts(error);
  if (statusCode !== undefined) return statusCode === 408 || statusCode === 429 || statusCode >= 500;
  const name = error instanceof Error ? error.name : '';
  return ['AbortError', 'TimeoutError'].includes(name) || (code !== undefined && /^(E[A-Z_]+|REQUEST_SEND_ERROR)$/.test(code));
}

function codeForStatus(statusCode: number | undefined, transient: boolean): ErrorCode {
  if (transient) return 'UpstreamTransient';
  switch (statusCode) {
    case 404:
      return 'NotFound';
    case 409:
    case 412:
      return 'Conflict';
    default:
      return 'UpstreamPermanent';
  }
}

/**
 * Maps an SDK error to AppError. `what` says what was attempted (e.g. `"Reading compute 'gpu-cluster'"`).
 * AppErrors pass through unchanged.
 */
export function fromAzureError(error: unknown, what: string, options: { module: string; target?: string }): AppError {
  if (error instanceof AppError) return error;
  const { statusCode, code } = azureErrorFacts(error);
  const transient = isTransientAzureError(error);
  const name = error instanceof Error ? error.name : '';
  const reason =
    statusCode !== undefined
      ? `${statusCode}${code === undefined ? '' : ` ${code}`}`
      : name === 'AbortError' || name === 'TimeoutError'
        ? 'timed out'
        : (code ?? 'network error');
  return new AppError(codeForStatus(statusCode, transient), `${what} failed: ${reason}`, {
    module: options.module,
    ...(options.target === undefined ? {} : { target: options.target }),
  });
}
