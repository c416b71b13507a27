/**
 * Small pipeline policies shared by the Azure SDK clients. Plain objects typed against
 * core-rest-pipeline's interface, so building them imports nothing at run time.
 */
import type { PipelinePolicy } from '@azure/core-rest-pipeline';

/**
 * The longest Retry-After an invocation waits out. A longer one fails the invocation as transient instead,
 * so an Event Grid delivery ends well inside its delivery timeout and the function timeout and is redelivered later.
 */
export const MAX_RETRY_AFTER_MS = 30_000;

/**
 * A 429/503 asked for a wait over `MAX_RETRY_AFTER_MS`. Deliberately not a RestError: the SDK's retry policy
 * rethrows anything else at once, without waiting. `statusCode` makes `fromAzureError` map it to `UpstreamTransient`.
 */
export class RetryAfterTooLongError extends Error {
  override readonly name = 'RetryAfterTooLongError';
  readonly code = 'RetryAfterTooLong';
  readonly statusCode: number;
  readonly retryAfterMs: number;

  constructor(statusCode: number, retryAfterMs: number, limitMs: number) {
    super(`${statusCode}: Retry-After of ${Math.ceil(retryAfterMs / 1000)} s is over the ${Math.ceil(limitMs / 1000)} s a call waits`);
    this.statusCode = statusCode;
    this.retryAfterMs = retryAfterMs;
  }
}

/** Headers read in the order core-rest-pipeline's throttling retry strategy reads them, with their unit. */
const RETRY_AFTER_HEADERS = [
  ['retry-after-ms', 1],
  ['x-ms-retry-after-ms', 1],
  ['retry-after', 1000],
] as const;

/**
 * The wait a 429 or 503 asks for, read as the SDK's throttling retry strategy reads it (`retry-after-ms`,
 * `x-ms-retry-after-ms`, then `Retry-After` in seconds or as an HTTP date); `undefined` when the SDK would not wait.
 */
export function throttlingWaitMs(status: number, header: (name: string) => string | undefined, now = Date.now()): number | undefined {
  if (status !== 429 && status !== 503) return undefined;
  for (const [name, unitMs] of RETRY_AFTER_HEADERS) {
    const value = header(name);
    if (!value) continue;
    const number = Number(value);
    if (!Number.isNaN(number)) return number * unitMs;
  }
  const date = Date.parse(header('retry-after') ?? '');
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/** Gives every request a timeout unless the caller set one (the SDKs default to none). */
export function requestTimeoutPolicy(timeoutMs: number): PipelinePolicy {
  return {
    name: 'amlWardenRequestTimeout',
    sendRequest(request, next) {
      if (!request.timeout) request.timeout = timeoutMs;
      return next(request);
    },
  };
}

/**
 * Fails a 429/503 whose Retry-After exceeds `maxRetryAfterMs` with `RetryAfterTooLongError` instead of
 * letting the SDK's retry policy sleep through it; shorter waits pass through and the SDK retries as before.
 * Add it `perRetry`: those policies sit after the retry policy, so each answer is seen before the retry policy waits.
 */
export function retryAfterLimitPolicy(maxRetryAfterMs = MAX_RETRY_AFTER_MS): PipelinePolicy {
  return {
    name: 'amlWardenRetryAfterLimit',
    async sendRequest(request, next) {
      const response = await next(request);
      const waitMs = throttlingWaitMs(response.status, (name) => response.headers.get(name));
      if (waitMs !== undefined && waitMs > maxRetryAfterMs) throw new RetryAfterTooLongError(response.status, waitMs, maxRetryAfterMs);
      return response;
    },
  };
}

/** The per-retry policies every Azure SDK client of the app carries: a request timeout and the Retry-After limit. */
export function perRetryPolicies(timeoutMs: number): { policy: PipelinePolicy; position: 'perRetry' }[] {
  return [
    { policy: requestTimeoutPolicy(timeoutMs), position: 'perRetry' },
    { policy: retryAfterLimitPolicy(), position: 'perRetry' },
  ];
}
