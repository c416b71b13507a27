/**
 * Injected faults, matched before routing so any service (ARM, Azure DevOps, GitHub, sinks, Key Vault)
 * can be made to fail on demand: an HTTP answer, a dropped connection, a long-running operation that ends
 * `Failed`, or a write that is answered as accepted but changes nothing (`ignore-write`: what a service does
 * with a property it does not apply).
 *
 * The `accept-then-*` kinds let the request through — a run is started, a compute written — and then lose the
 * answer: an error status instead of it (`accept-then-status`, default 502), a dropped connection
 * (`accept-then-reset`), or no answer at all until the caller gives up (`accept-then-hang`). They are the ambiguous
 * failures a caller cannot tell from "nothing happened".
 */

export type FaultKind = 'http' | 'lro-failure' | 'reset' | 'ignore-write' | 'accept-then-status' | 'accept-then-reset' | 'accept-then-hang';

export interface FaultRule {
  readonly method?: string;
  /** A RegExp, or a string read as a regular expression (case-insensitive), tested against the path. */
  readonly path: RegExp | string;
  readonly status?: number;
  /** How many matching requests it applies to; default 1. */
  readonly times?: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  readonly kind?: FaultKind;
}

export interface ActiveFault {
  readonly kind: FaultKind;
  readonly status: number;
  readonly body?: unknown;
  readonly headers: Readonly<Record<string, string>>;
}

interface StoredRule {
  readonly method: string | undefined;
  readonly pattern: RegExp;
  readonly fault: ActiveFault;
  remaining: number;
}

export class FaultInjector {
  readonly #rules: StoredRule[] = [];

  add(rule: FaultRule): void {
    // A global or sticky RegExp keeps state between tests; matching must not.
    const pattern = typeof rule.path === 'string' ? new RegExp(rule.path, 'i') : new RegExp(rule.path.source, rule.path.flags.replace(/[gy]/g, ''));
    const kind = rule.kind ?? 'http';
    this.#rules.push({
      method: rule.method?.toUpperCase(),
      pattern,
      remaining: rule.times ?? 1,
      fault: {
        kind,
        status: rule.status ?? (kind === 'lro-failure' ? 200 : kind === 'accept-then-status' ? 502 : 500),
        ...(rule.body === undefined ? {} : { body: rule.body }),
        headers: rule.headers ?? {},
      },
    });
  }

  clear(): void {
    this.#rules.length = 0;
  }

  get size(): number {
    return this.#rules.length;
  }

  /** Consumes the first matching `http`/`reset` rule for this request, if any. */
  takeRequestFault(method: string, path: string): ActiveFault | undefined {
    return this.#take(method, path, (kind) => kind === 'http' || kind === 'reset');
  }

  /** Consumes the first `accept-then-*` rule for this request: it is handled, then its answer is lost. */
  takeAcceptedFault(method: string, path: string): ActiveFault | undefined {
    return this.#take(method, path, (kind) => kind.startsWith('accept-then-'));
  }

  /** Consumes the first `ignore-write` rule matching a write's request path: answer as accepted, change nothing. */
  takeIgnoredWrite(method: string, path: string): ActiveFault | undefined {
    return this.#take(method, path, (kind) => kind === 'ignore-write');
  }

  /** Consumes the first `lro-failure` rule matching a long-running operation's request path. */
  takeLroFailure(method: string, path: string): ActiveFault | undefined {
    return this.#take(method, path, (kind) => kind === 'lro-failure');
  }

  #take(method: string, path: string, accepts: (kind: FaultKind) => boolean): ActiveFault | undefined {
    const index = this.#rules.findIndex(
      (rule) => accepts(rule.fault.kind) && (rule.method === undefined || rule.method === method.toUpperCase()) && rule.pattern.test(path),
    );
    const rule = this.#rules[index];
    if (!rule) return undefined;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.#rules.splice(index, 1);
    return rule.fault;
  }
}
