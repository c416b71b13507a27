import { z } from 'zod';
import type { FaultRule } from './faults.js';
import type { EmulatorResponse, Router } from './router.js';
import type { BulkSeedOptions, BulkSeedResult } from './seed.js';
import type { ThrottleOptions } from './throttle.js';

/** One request as the emulator answered it. */
export interface CallRecord {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly status: number;
  readonly principal: string;
  /** The JSON body of a write (anything but GET), so a test or a person can see exactly what was sent. */
  readonly body?: unknown;
  /** The request's `If-Match` / `If-None-Match` headers, when it sent any: what it asked the service to check. */
  readonly preconditions?: Readonly<Record<string, string>>;
  /** ISO time the request arrived. */
  readonly time: string;
  readonly durationMs: number;
}

/** What the admin API drives; `server.ts` provides it. */
export interface AdminControls {
  calls(): readonly CallRecord[];
  resetCalls(): void;
  injectFault(rule: FaultRule): void;
  clearFaults(): void;
  setThrottle(options: boolean | ThrottleOptions): void;
  reset(): void;
  seedBulk(options: BulkSeedOptions): BulkSeedResult;
  summary(): Record<string, unknown>;
}

const bucket = z.object({ burst: z.number().int().positive(), perSecond: z.number().positive() });
const throttleBody = z.union([
  z.boolean(),
  z.object({
    enabled: z.boolean().optional(),
    reads: bucket.optional(),
    writes: bucket.optional(),
    resourceGraph: z.object({ queries: z.number().int().positive(), windowSeconds: z.number().positive() }).optional(),
  }),
]);

const faultBody = z.object({
  method: z.string().min(1).optional(),
  path: z.string().min(1),
  status: z.number().int().min(100).max(599).optional(),
  times: z.number().int().positive().optional(),
  body: z.unknown().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  kind: z.enum(['http', 'lro-failure', 'reset', 'ignore-write', 'accept-then-status', 'accept-then-reset', 'accept-then-hang']).optional(),
});

const seedBody = z.object({
  workspaces: z.number().int().min(0).max(100_000),
  computesPerWorkspace: z.number().int().min(0).max(1000),
  subscriptions: z.number().int().min(1).max(1000).optional(),
});

/**
 * The emulator's own control API under `/_emulator/` — no authentication; the server only listens on
 * loopback. Tests and benchmarks use it from other processes; in-process they call the same controls.
 */
export function mount(router: Router, controls: AdminControls): void {
  router.add('GET', '/_emulator/calls', (request) => {
    const filter = request.query.get('path');
    let pattern: RegExp | undefined;
    if (filter) {
      try {
        pattern = new RegExp(filter, 'i');
      } catch {
        return invalid('path', 'is not a valid regular expression.');
      }
    }
    const calls = controls.calls().filter((call) => !pattern || pattern.test(call.path));
    return { status: 200, body: { count: calls.length, calls } };
  });

  router.add('DELETE', '/_emulator/calls', () => {
    controls.resetCalls();
    return { status: 204 };
  });

  router.add('POST', '/_emulator/faults', (request) => {
    const rules = Array.isArray(request.body) ? request.body : [request.body];
    const parsed = z.array(faultBody).min(1).safeParse(rules);
    if (!parsed.success) return invalidParse(parsed.error);
    for (const rule of parsed.data) controls.injectFault(rule as FaultRule);
    return { status: 201, body: { added: parsed.data.length } };
  });

  router.add('DELETE', '/_emulator/faults', () => {
    controls.clearFaults();
    return { status: 204 };
  });

  router.add('POST', '/_emulator/throttle', (request) => {
    const parsed = throttleBody.safeParse(request.body);
    if (!parsed.success) return invalidParse(parsed.error);
    const value = parsed.data;
    if (typeof value === 'boolean' || value.enabled === false) controls.setThrottle(typeof value === 'boolean' ? value : false);
    else {
      const { enabled: _enabled, ...limits } = value;
      controls.setThrottle(limits as ThrottleOptions);
    }
    return { status: 200, body: controls.summary() };
  });

  router.add('POST', '/_emulator/reset', () => {
    controls.reset();
    return { status: 200, body: controls.summary() };
  });

  router.add('POST', '/_emulator/seed', (request) => {
    const parsed = seedBody.safeParse(request.body);
    if (!parsed.success) return invalidParse(parsed.error);
    return { status: 201, body: controls.seedBulk(parsed.data) };
  });

  router.add('GET', '/_emulator/state', () => ({ status: 200, body: controls.summary() }));
}

function invalid(field: string, message: string): EmulatorResponse {
  return { status: 400, body: { error: { code: 'BadRequest', message: `${field} ${message}` } } };
}

function invalidParse(error: z.ZodError): EmulatorResponse {
  const issue = error.issues[0];
  return invalid(issue ? issue.path.join('.') || 'body' : 'body', issue?.message ?? 'is invalid.');
}
