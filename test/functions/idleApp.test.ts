/**
 * What an idle app costs: on the offline host with its timers on and its queues polled, nothing runs until a
 * schedule is due, and the only schedules are the sweep's and request expiry's — no polling timer keeps an
 * instance awake. The hour is counted from the schedules the host indexed, not waited out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type AzuriteHandle } from '../../dev/azurite.js';
import { startHost, type FunctionsHost } from '../../dev/host/host.js';
import { repositoryRoot } from '../helpers/repositoryRoot.js';

const IDLE_MS = 4000;
let azurite: AzuriteHandle;
let host: FunctionsHost;
const hostLog: string[] = [];

beforeAll(async () => {
  azurite = await startAzurite();
  host = await startHost({
    entry: `${repositoryRoot}/src/index.ts`,
    timers: true,
    env: { AML_WARDEN_QUEUE: azurite.connectionString },
    hostJson: { version: '2.0', extensions: { queues: { maxPollingInterval: '00:00:01' } } },
    log: (line) => hostLog.push(line),
  });
  await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
}, 60_000);

afterAll(async () => {
  await host?.close();
  await azurite?.close();
});

/** Occurrences of a schedule in the hour after `from`. */
function occurrences(schedule: { next(after: Date): Date }, from: Date): number {
  let count = 0;
  for (let at = schedule.next(from); at.getTime() <= from.getTime() + 3_600_000; at = schedule.next(at)) count += 1;
  return count;
}

describe('an idle app', () => {
  it('runs only the sweep and request-expiry schedules: at most 5 invocations an hour', () => {
    const timers = host.functions.filter((fn) => fn.kind === 'timer');
    expect(timers.map((fn) => fn.name).sort()).toEqual(['complianceSweep', 'computeRequestsExpiry']);
    const from = new Date('2026-03-02T09:07:00Z');
    const perHour = Object.fromEntries(timers.map((fn) => [fn.name, fn.schedule === undefined ? Number.NaN : occurrences(fn.schedule, from)]));
    expect(perHour).toEqual({ complianceSweep: 0, computeRequestsExpiry: 4 });
    expect(occurrences(timers.find((fn) => fn.name === 'complianceSweep')?.schedule ?? { next: () => new Date(Number.NaN) }, new Date('2026-03-02T11:30:00Z'))).toBe(1);
  });

  it('logs no invocation while nothing is due, though it polls every queue', () => {
    const queues = host.functions.filter((fn) => fn.kind === 'queue').map((fn) => fn.name).sort();
    expect(queues).toEqual(['computeRequestProvisioning', 'notificationFlush', 'sweepSlice', 'sweepSlicePoison']);
    expect(hostLog.filter((line) => line.includes("Executing 'Functions."))).toEqual([]);
  });
});
