/**
 * One error type for everything the app decides to refuse or cannot do.
 * `status` is the HTTP status a caller should see; `transient` tells Event Grid triggers whether to
 * fail the invocation (so Event Grid redelivers) or to log, count and drop.
 */
export type ErrorCode =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'Conflict'
  | 'PayloadTooLarge'
  | 'PolicyViolation'
  | 'UnsupportedMediaType'
  | 'ConfigurationError'
  | 'PolicyFileError'
  | 'UpstreamTransient'
  | 'UpstreamPermanent'
  | 'NotImplemented'
  | 'Internal';

const statusByCode: Record<ErrorCode, number> = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  Conflict: 409,
  PayloadTooLarge: 413,
  UnsupportedMediaType: 415,
  PolicyViolation: 422,
  ConfigurationError: 500,
  PolicyFileError: 500,
  UpstreamTransient: 503,
  UpstreamPermanent: 502,
  NotImplemented: 501,
  Internal: 500,
};

export interface AppErrorOptions {
  /** The request field, setting or policy path the error is about (e.g. `body.vmSize`, `AML_WARDEN_POLICY`, `scaling.maxNodeCount`). */
  target?: string;
  /** The module that raised it, for logs. */
  module?: string;
  /** Safe details to show the caller (never secrets). */
  details?: readonly { target: string; message: string }[];
  cause?: unknown;
}

export class AppError extends Error {
  override readonly name = 'AppError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly target: string | undefined;
  readonly module: string | undefined;
  readonly details: readonly { target: string; message: string }[];

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = statusByCode[code];
    this.target = options.target;
    this.module = options.module;
    this.details = options.details ?? [];
  }

  /** Transient errors make an Event Grid-triggered invocation fail so the delivery is retried. */
  get transient(): boolean {
    return this.code === 'UpstreamTransient';
  }
}

/** Normalises anything thrown into an Error, once, at the edge. */
export function ensureError(value: unknown): Error {
  if (value instanceof Error) return value;
  if (typeof value === 'string') return new Error(value);
  try {
    return new Error(JSON.stringify(value));
  } catch {
    return new Error(String(value));
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}
