import { describe, expect, it } from 'vitest';
import { ArmTokenBucketPacer, armFailure, retryAfterMs } from '../../../src/adapters/arm/armRequest.js';
import { clusterUpdateBody } from '../../../src/adapters/arm/remediation.js';
import { parseQuotaResetsAfter } from '../../../src/adapters/arm/resourceGraph.js';
import { parseCompute } from '../../../src/policy/resources.js';
import { readPublishedFixture } from '../../helpers/publishedFixtures.js';

/** A pacer on a clock that only moves when it sleeps. */
function pacerOnFakeClock(limits = { burst: 3, perSecond: 2 }) {
  let now = 0;
  const slept: number[] = [];
  const pacer = new ArmTokenBucketPacer({ read: limits, write: limits, clock: () => now, sleep: async (ms) => void (slept.push(ms), (now += ms)) });
  return { pacer, slept, now: () => now };
}

describe('ARM pacing', () => {
  it('spends the burst at once, then waits for tokens at the refill rate', async () => {
    const { pacer, now } = pacerOnFakeClock();
    for (let i = 0; i < 3; i += 1) await pacer.acquire('s', 'read');
    expect(now()).toBe(0);
    await pacer.acquire('s', 'read');
    expect(now()).toBe(500);
  });

  it('keeps subscriptions apart', async () => {
    const { pacer, now } = pacerOnFakeClock();
    for (let i = 0; i < 3; i += 1) await pacer.acquire('a', 'read');
    await pacer.acquire('b', 'read');
    expect(now()).toBe(0);
  });

  it("follows ARM's remaining-reads header down and pauses the subscription for a 429's Retry-After", async () => {
    const { pacer, now } = pacerOnFakeClock({ burst: 100, perSecond: 10 });
    pacer.observe('s', 'read', 200, { 'x-ms-ratelimit-remaining-subscription-reads': '0' });
    await pacer.acquire('s', 'read');
    expect(now()).toBe(100);
    pacer.observe('s', 'read', 429, { 'retry-after': '7' });
    await pacer.acquire('s', 'read');
    expect(now()).toBeGreaterThanOrEqual(7100);
  });

  it('reads Retry-After in seconds or as a date, and Resource Graph quota resets as hh:mm:ss', () => {
    expect(retryAfterMs({ 'retry-after': '3' })).toBe(3000);
    expect(retryAfterMs({ 'retry-after': new Date(10_000).toUTCString() }, 4_000)).toBe(6000);
    expect(parseQuotaResetsAfter('00:00:05')).toBe(5000);
    expect(parseQuotaResetsAfter('1.00:00:01')).toBe(86_401_000);
    expect(parseQuotaResetsAfter('soon')).toBeUndefined();
  });

  it('treats throttling and server errors as transient, 403 and 404 as permanent', () => {
    expect(armFailure({ status: 429, body: undefined }, 'x').transient).toBe(true);
    expect(armFailure({ status: 503, body: undefined }, 'x').transient).toBe(true);
    expect(armFailure({ status: 404, body: { error: { code: 'ResourceNotFound' } } }, 'x')).toMatchObject({ code: 'NotFound', message: 'x failed: 404 ResourceNotFound' });
    expect(armFailure({ status: 403, body: undefined }, 'x')).toMatchObject({ code: 'Forbidden', transient: false });
  });
});

describe('the Compute_Update body', () => {
  const fixture = JSON.parse(readPublishedFixture('arm/2022-10-01/Compute/get/AmlCompute.json')) as { responses: { '200': { body: unknown } } };
  const cluster = parseCompute(fixture.responses['200'].body);

  it('carries the complete scale settings, the patch over what the cluster has, and nothing else', () => {
    const body = clusterUpdateBody(cluster, { scaleSettings: { minNodeCount: 0 } });
    expect(body).toEqual({
      properties: {
        properties: {
          scaleSettings: { maxNodeCount: cluster.scaleSettings?.maxNodeCount, minNodeCount: 0, nodeIdleTimeBeforeScaleDown: cluster.scaleSettings?.nodeIdleTimeBeforeScaleDown },
        },
      },
    });
  });

  it('never carries tags or idle shutdown, which Compute_Update does not apply', () => {
    const body = clusterUpdateBody({ ...cluster, tags: { Owner: 'a' } }, { scaleSettings: { minNodeCount: 0 }, tags: { owner: 'b' }, idleTimeBeforeShutdown: 'PT30M' });
    expect(Object.keys(body)).toEqual(['properties']);
    expect(JSON.stringify(body)).not.toContain('owner');
    expect(JSON.stringify(body)).not.toContain('idleTimeBeforeShutdown');
  });

  it('refuses to guess a maxNodeCount the cluster does not report', () => {
    expect(() => clusterUpdateBody({ ...cluster, scaleSettings: undefined }, { scaleSettings: { minNodeCount: 0 } })).toThrow(/maxNodeCount/);
  });
});
