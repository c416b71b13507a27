import type { IncomingHttpHeaders } from 'node:http';

/** A request as the emulator's service modules see it: already parsed, never a raw socket. */
export interface EmulatorRequest {
  readonly method: string;
  /** Path without the query string, percent-decoded per segment. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** Parsed JSON when the body is JSON, the form fields for urlencoded bodies, otherwise undefined. */
  readonly body: unknown;
  readonly rawBody: Buffer;
  /** Values of `{name}` segments of the matched pattern. */
  readonly params: Readonly<Record<string, string>>;
  /** Who the bearer token says is calling (`oid`/`sub`), when one was verified; `anonymous` otherwise. */
  readonly principal: string;
}

export interface EmulatorResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Serialised as JSON unless it is a string or Buffer. */
  readonly body?: unknown;
}

export type EmulatorHandler = (request: EmulatorRequest) => Promise<EmulatorResponse> | EmulatorResponse;

interface Route {
  readonly method: string;
  readonly segments: readonly string[];
  readonly handler: EmulatorHandler;
}

/**
 * Minimal path router: patterns like `/subscriptions/{subscriptionId}/resourceGroups/{rg}`;
 * literal segments match case-insensitively, as ARM does; a trailing `{*rest}` takes the remainder.
 */
export class Router {
  readonly #routes: Route[] = [];

  add(method: string, pattern: string, handler: EmulatorHandler): this {
    this.#routes.push({ method: method.toUpperCase(), segments: split(pattern), handler });
    return this;
  }

  match(method: string, path: string): { handler: EmulatorHandler; params: Record<string, string> } | { allowed: string[] } | undefined {
    const parts = split(path);
    const allowed: string[] = [];
    for (const route of this.#routes) {
      const params = matchSegments(route.segments, parts);
      if (!params) continue;
      if (route.method === method.toUpperCase()) return { handler: route.handler, params };
      allowed.push(route.method);
    }
    return allowed.length > 0 ? { allowed } : undefined;
  }
}

function split(path: string): string[] {
  return path.split('/').filter((segment) => segment.length > 0);
}

function matchSegments(pattern: readonly string[], parts: readonly string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const segment = pattern[i] as string;
    if (segment.startsWith('{*') && segment.endsWith('}')) {
      params[segment.slice(2, -1)] = parts.slice(i).join('/');
      return params;
    }
    const part = parts[i];
    if (part === undefined) return undefined;
    if (segment.startsWith('{') && segment.endsWith('}')) {
      params[segment.slice(1, -1)] = part;
    } else if (segment.toLowerCase() !== part.toLowerCase()) {
      return undefined;
    }
  }
  return pattern.length === parts.length ? params : undefined;
}

/** ARM's error body. */
export function armError(status: number, code: string, message: string, headers?: Record<string, string>): EmulatorResponse {
  return { status, body: { error: { code, message } }, ...(headers ? { headers } : {}) };
}
