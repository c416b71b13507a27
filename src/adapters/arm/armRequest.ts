/**
 * Raw ARM requests through an Azure ML client's own pipeline (its credential, ARM scope, extra CA, timeout
 * and Retry-After-honouring retries), for what `@azure/arm-machinelearning` 2.1.1 cannot express: newer
 * api-versions, the Tags API and Resource Graph. Calls can be paced per subscription (`ArmPacing`).
 */
import type { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import { AppError, type ErrorCode } from '../../errors.js';
import { MAX_RETRY_AFTER_MS, RetryAfterTooLongError } from '../pipelinePolicies.js';

const MODULE = 'armRequest';

export type ArmPipelineClient = Pick<AzureMachineLearningWorkspaces, 'sendRequest'>;

export type ArmCallKind = 'read' | 'write';

/** Keeps a caller inside ARM's per-subscription budget. */
export interface ArmPacing {
  /** Resolves when a call of this kind to this subscription may go. */
  acquire(subscriptionId: string, kind: ArmCallKind): Promise<void>;
  /** Learns from an answer: the remaining-budget header and a 429's Retry-After. */
  observe(subscriptionId: string, kind: ArmCallKind, status: number, headers: Readonly<Record<string, string>>): void;
}

export interface ArmCall {
  /** The subscription whose budget the call spends (any, for tenant-level calls such as Resource Graph). */
  readonly subscriptionId: string;
  readonly method: 'GET' | 'PATCH' | 'POST' | 'PUT';
  /** Absolute URL including `api-version` (a `nextLink` as ARM gave it, or one built with `armUrl`). */
  readonly url: string;
  readonly body?: unknown;
  /** What is attempted, for errors: `Reading compute 'gpu-cluster'`. */
  readonly what: string;
}

export interface ArmAnswer {
  readonly status: number;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
}

export interface ArmRequesterOptions {
  readonly clientFor: (subscriptionId: string) => Promise<ArmPipelineClient>;
  readonly pacing?: ArmPacing | undefined;
  /**
   * Extra attempts after the pipeline's own retries still end in 429; each waits Retry-After. Default 3.
   * A Retry-After over `MAX_RETRY_AFTER_MS` is not waited out: the call fails as transient at once.
   */
  readonly throttleRetries?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

type CoreRestPipeline = typeof import('@azure/core-rest-pipeline');
let coreRestPipeline: Promise<CoreRestPipeline> | undefined;

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** `{endpoint}{path}?api-version=…` with each path segment kept as given (ids are already encoded as ARM wrote them). */
export function armUrl(endpoint: string, path: string, apiVersion: string): string {
  return `${endpoint.replace(/\/+$/, '')}${path}?api-version=${encodeURIComponent(apiVersion)}`;
}

/** The path of an id with each segment percent-encoded (names may hold characters a URL cannot). */
export function encodeArmPath(id: string): string {
  return id
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
}

/** Seconds from a Retry-After header (seconds or an HTTP date), or `undefined`. */
export function retryAfterMs(headers: Readonly<Record<string, string>>, now = Date.now()): number | undefined {
  const value = headers['retry-after'];
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export class ArmRequester {
  readonly #options: ArmRequesterOptions;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(options: ArmRequesterOptions) {
    this.#options = options;
    this.#sleep = options.sleep ?? sleep;
  }

  /** Sends the call; a 2xx answer is returned, anything else throws the AppError it means. */
  async send(call: ArmCall): Promise<ArmAnswer> {
    const kind: ArmCallKind = call.method === 'GET' ? 'read' : 'write';
    const attempts = 1 + (this.#options.throttleRetries ?? 3);
    for (let attempt = 1; ; attempt += 1) {
      await this.#options.pacing?.acquire(call.subscriptionId, kind);
      const answer = await this.#sendOnce(call);
      this.#options.pacing?.observe(call.subscriptionId, kind, answer.status, answer.headers);
      if (answer.status >= 200 && answer.status < 300) return answer;
      if (answer.status === 429 && attempt < attempts) {
        const waitMs = retryAfterMs(answer.headers) ?? 1000 * attempt;
        // Waiting longer would outlive Event Grid's delivery and the function timeout; fail so it redelivers later.
        if (waitMs > MAX_RETRY_AFTER_MS) throw armFailure(answer, call.what);
        await this.#sleep(waitMs);
        continue;
      }
      throw armFailure(answer, call.what);
    }
  }

  async #sendOnce(call: ArmCall): Promise<ArmAnswer> {
    const [sdk, client] = await Promise.all([(coreRestPipeline ??= import('@azure/core-rest-pipeline')), this.#options.clientFor(call.subscriptionId)]);
    const request = sdk.createPipelineRequest({
      url: call.url,
      method: call.method,
      headers: sdk.createHttpHeaders({ accept: 'application/json', ...(call.body === undefined ? {} : { 'content-type': 'application/json' }) }),
      ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
    });
    let response;
    try {
      response = await client.sendRequest(request);
    } catch (error) {
      throw transportFailure(error, call.what);
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of response.headers) headers[name.toLowerCase()] = value;
    const text = response.bodyAsText ?? '';
    let body: unknown = undefined;
    if (text !== '') {
      try {
        body = JSON.parse(text) as unknown;
      } catch {
        if (response.status >= 200 && response.status < 300) {
          throw new AppError('UpstreamPermanent', `${call.what} failed: the answer is not JSON`, { module: MODULE });
        }
      }
    }
    return { status: response.status, headers, body };
  }
}

/** ARM's error code from `{"error": {"code"}}`, if any. */
function armErrorCode(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || !('error' in body)) return undefined;
  const error = body.error;
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

/** 429/5xx/408 may pass; 404 and 403 will not, whatever is retried. */
export function armFailure(answer: Pick<ArmAnswer, 'status' | 'body'>, what: string): AppError {
  const { status } = answer;
  const code: ErrorCode =
    status === 408 || status === 429 || status >= 500
      ? 'UpstreamTransient'
      : status === 404
        ? 'NotFound'
        : status === 403 || status === 401
          ? 'Forbidden'
          : status === 409 || status === 412
            ? 'Conflict'
            : 'UpstreamPermanent';
  const armCode = armErrorCode(answer.body);
  return new AppError(code, `${what} failed: ${status}${armCode === undefined ? '' : ` ${armCode}`}`, {
    module: MODULE,
    details: [{ target: 'status', message: String(status) }],
  });
}

function transportFailure(error: unknown, what: string): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof RetryAfterTooLongError) {
    return new AppError('UpstreamTransient', `${what} failed: ${error.statusCode} ${error.code}`, {
      module: MODULE,
      details: [{ target: 'status', message: String(error.statusCode) }],
    });
  }
  const name = error instanceof Error ? error.name : '';
  const code = typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  const reason = name === 'AbortError' || name === 'TimeoutError' ? 'timed out' : (code ?? 'network error');
  // Never attach the original: SDK errors carry the request and its authorization header.
  return new AppError('UpstreamTransient', `${what} failed: ${reason}`, { module: MODULE });
}

interface Bucket {
  tokens: number;
  updatedAt: number;
  pausedUntil: number;
}

export interface BucketLimits {
  readonly burst: number;
  readonly perSecond: number;
}

/** ARM's documented per-subscription, per-principal token buckets. */
export const ARM_BUDGET = { read: { burst: 250, perSecond: 25 }, write: { burst: 200, perSecond: 10 } } as const;

/**
 * A token bucket per subscription and kind mirroring ARM's, corrected by what ARM reports: the
 * `x-ms-ratelimit-remaining-subscription-*` headers lower the local count (other callers spend the same
 * budget), and a 429 pauses the whole subscription for its Retry-After.
 */
export class ArmTokenBucketPacer implements ArmPacing {
  readonly #limits: Readonly<Record<ArmCallKind, BucketLimits>>;
  readonly #buckets = new Map<string, Bucket>();
  readonly #clock: () => number;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(options: { read?: BucketLimits; write?: BucketLimits; clock?: () => number; sleep?: (ms: number) => Promise<void> } = {}) {
    this.#limits = { read: options.read ?? ARM_BUDGET.read, write: options.write ?? ARM_BUDGET.write };
    this.#clock = options.clock ?? (() => performance.now());
    this.#sleep = options.sleep ?? sleep;
  }

  #bucket(subscriptionId: string, kind: ArmCallKind): Bucket {
    const key = `${subscriptionId.toLowerCase()}|${kind}`;
    const limits = this.#limits[kind];
    const now = this.#clock();
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      bucket = { tokens: limits.burst, updatedAt: now, pausedUntil: 0 };
      this.#buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(limits.burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * limits.perSecond);
    bucket.updatedAt = now;
    return bucket;
  }

  async acquire(subscriptionId: string, kind: ArmCallKind): Promise<void> {
    for (;;) {
      const bucket = this.#bucket(subscriptionId, kind);
      const now = this.#clock();
      if (bucket.pausedUntil > now) {
        await this.#sleep(bucket.pausedUntil - now);
        continue;
      }
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return;
      }
      await this.#sleep(Math.ceil(((1 - bucket.tokens) / this.#limits[kind].perSecond) * 1000));
    }
  }

  observe(subscriptionId: string, kind: ArmCallKind, status: number, headers: Readonly<Record<string, string>>): void {
    const bucket = this.#bucket(subscriptionId, kind);
    const remaining = Number(headers[`x-ms-ratelimit-remaining-subscription-${kind}s`]);
    if (headers[`x-ms-ratelimit-remaining-subscription-${kind}s`] !== undefined && Number.isFinite(remaining)) {
      bucket.tokens = Math.min(bucket.tokens, remaining);
    }
    if (status === 429) {
      bucket.tokens = Math.min(bucket.tokens, 0);
      bucket.pausedUntil = Math.max(bucket.pausedUntil, this.#clock() + (retryAfterMs(headers) ?? 1000));
    }
  }
}
