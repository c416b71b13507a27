import { InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { retriedByQueue, withoutFramesIfTransient } from '../../src/functions/transientFailure.js';

function queueContext(dequeueCount?: number) {
  const lines: { level: string; args: unknown[] }[] = [];
  const context = new InvocationContext({
    functionName: 'computeRequestProvisioning',
    ...(dequeueCount === undefined ? {} : { triggerMetadata: { dequeueCount } }),
    logHandler: (level, ...args) => lines.push({ level, args }),
  });
  return { context, lines };
}

const framesOf = (error: Error): string[] => (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));

describe('a transient failure at the function edge', () => {
  it('keeps the first line of a transient AppError as its stack, and leaves any other error as it is', () => {
    const throttled = new AppError('UpstreamTransient', "Reading workspace 'mlw-demo' failed: 429");
    expect(framesOf(throttled).length).toBeGreaterThan(0);
    expect(withoutFramesIfTransient(throttled)).toBe(throttled);
    expect(throttled.stack).toBe("AppError: Reading workspace 'mlw-demo' failed: 429");
    expect(throttled).toMatchObject({ code: 'UpstreamTransient', message: "Reading workspace 'mlw-demo' failed: 429" });

    for (const other of [new AppError('UpstreamPermanent', 'refused'), new TypeError('a bug')]) {
      const stack = other.stack;
      expect(withoutFramesIfTransient(other)).toBe(other);
      expect(other.stack).toBe(stack);
    }
  });

  it('a queue-triggered function says in one warning that the queue retries the message, with its dequeue count, and still fails', async () => {
    const { context, lines } = queueContext(2);
    const throttled = new AppError('UpstreamTransient', 'ARM answered 429');
    await expect(
      retriedByQueue(context, 'Compute request r1: provisioning', async () => {
        throw throttled;
      }),
    ).rejects.toBe(throttled);
    expect(lines).toEqual([
      { level: 'warning', args: ['Compute request r1: provisioning → not done, will be retried by the queue after its visibility timeout (dequeue count 2): ARM answered 429'] },
    ]);
    expect(throttled.stack).toBe('AppError: ARM answered 429');
  });

  it('a queue-triggered function rethrows any other failure with its stack and adds no line', async () => {
    const { context, lines } = queueContext();
    const bug = new TypeError('a bug');
    const stack = bug.stack;
    await expect(
      retriedByQueue(context, 'Burst summaries', async () => {
        throw bug;
      }),
    ).rejects.toBe(bug);
    expect(bug.stack).toBe(stack);
    expect(lines).toEqual([]);
    expect(await retriedByQueue(context, 'Burst summaries', async () => 'done')).toBe('done');
  });
});
