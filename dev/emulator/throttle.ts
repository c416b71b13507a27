/**
 * ARM's request throttling, as documented: a token bucket per subscription and principal, one for reads
 * and one for writes; and Resource Graph's per-user quota (a number of queries per window).
 * Off unless turned on, so ordinary tests never wait.
 */

export interface BucketOptions {
  readonly burst: number;
  readonly perSecond: number;
}

export interface ThrottleOptions {
  readonly reads?: BucketOptions;
  readonly writes?: BucketOptions;
  readonly resourceGraph?: { readonly queries: number; readonly windowSeconds: number };
}

export const ARM_THROTTLE_DEFAULTS = {
  reads: { burst: 250, perSecond: 25 },
  writes: { burst: 200, perSecond: 10 },
  resourceGraph: { queries: 15, windowSeconds: 5 },
} as const;

export type ThrottleDecision =
  | { readonly allowed: true; readonly headers: Record<string, string> }
  | { readonly allowed: false; readonly retryAfterSeconds: number; readonly headers: Record<string, string> };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export class ArmThrottle {
  #enabled = false;
  #reads: BucketOptions = ARM_THROTTLE_DEFAULTS.reads;
  #writes: BucketOptions = ARM_THROTTLE_DEFAULTS.writes;
  #graph: { queries: number; windowSeconds: number } = { ...ARM_THROTTLE_DEFAULTS.resourceGraph };
  readonly #buckets = new Map<string, Bucket>();
  readonly #graphWindows = new Map<string, { start: number; used: number }>();
  readonly #clock: () => number;

  constructor(options: boolean | ThrottleOptions = false, clock: () => number = () => performance.now()) {
    this.#clock = clock;
    this.configure(options);
  }

  get enabled(): boolean {
    return this.#enabled;
  }

  /** `true` turns ARM's limits on, `false` off; an object turns them on with these limits. Buckets restart full. */
  configure(options: boolean | ThrottleOptions): void {
    this.#enabled = options !== false;
    const custom = typeof options === 'object' ? options : {};
    this.#reads = custom.reads ?? ARM_THROTTLE_DEFAULTS.reads;
    this.#writes = custom.writes ?? ARM_THROTTLE_DEFAULTS.writes;
    this.#graph = { ...(custom.resourceGraph ?? ARM_THROTTLE_DEFAULTS.resourceGraph) };
    this.#buckets.clear();
    this.#graphWindows.clear();
  }

  /** One ARM request against the subscription's bucket for this principal. */
  takeArm(subscriptionId: string, principal: string, kind: 'read' | 'write'): ThrottleDecision {
    if (!this.#enabled) return { allowed: true, headers: {} };
    const limits = kind === 'read' ? this.#reads : this.#writes;
    const header = kind === 'read' ? 'x-ms-ratelimit-remaining-subscription-reads' : 'x-ms-ratelimit-remaining-subscription-writes';
    const id = `${subscriptionId.toLowerCase()}|${principal}|${kind}`;
    const now = this.#clock();
    const bucket = this.#buckets.get(id) ?? { tokens: limits.burst, updatedAt: now };
    bucket.tokens = Math.min(limits.burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * limits.perSecond);
    bucket.updatedAt = now;
    this.#buckets.set(id, bucket);
    if (bucket.tokens < 1) {
      const retryAfterSeconds = Math.max(1, Math.ceil((1 - bucket.tokens) / limits.perSecond));
      return { allowed: false, retryAfterSeconds, headers: { [header]: '0' } };
    }
    bucket.tokens -= 1;
    return { allowed: true, headers: { [header]: String(Math.floor(bucket.tokens)) } };
  }

  /** One Resource Graph query for this principal; the quota headers are sent either way. */
  takeResourceGraph(principal: string): ThrottleDecision {
    if (!this.#enabled) return { allowed: true, headers: {} };
    const now = this.#clock();
    const windowMs = this.#graph.windowSeconds * 1000;
    let window = this.#graphWindows.get(principal);
    if (!window || now - window.start >= windowMs) {
      window = { start: now, used: 0 };
      this.#graphWindows.set(principal, window);
    }
    const resetsAfterMs = Math.max(0, window.start + windowMs - now);
    if (window.used >= this.#graph.queries) {
      return {
        allowed: false,
        retryAfterSeconds: Math.max(1, Math.ceil(resetsAfterMs / 1000)),
        headers: quotaHeaders(0, resetsAfterMs),
      };
    }
    window.used += 1;
    return { allowed: true, headers: quotaHeaders(this.#graph.queries - window.used, resetsAfterMs) };
  }
}

function quotaHeaders(remaining: number, resetsAfterMs: number): Record<string, string> {
  return { 'x-ms-user-quota-remaining': String(remaining), 'x-ms-user-quota-resets-after': formatDuration(resetsAfterMs) };
}

/** `hh:mm:ss`, as Resource Graph writes `x-ms-user-quota-resets-after`. */
export function formatDuration(ms: number): string {
  const total = Math.ceil(ms / 1000);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${pad(Math.floor(total / 3600))}:${pad(Math.floor((total % 3600) / 60))}:${pad(total % 60)}`;
}
