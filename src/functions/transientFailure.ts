/**
 * How a function fails on an expected transient failure (an `AppError` that is `transient`: throttling, a 5xx, a
 * timeout, storage briefly away). The invocation still fails: that is what makes the Storage queue show the message
 * again after its visibility timeout, and Event Grid deliver the event again. But the failure is said in one line,
 * and the error reaches the host without its frames.
 *
 * Why the frames: the Functions host logs every failed invocation with the error the worker hands it — the Node.js
 * worker sends `error.message` and `error.stack` (Azure/azure-functions-nodejs-worker `src/setupEventStream.ts`), the
 * host wraps them in an `RpcException` ("Result: Failure / Exception: … / Stack: …",
 * Azure/azure-functions-host `src/WebJobs.Script/Workers/Rpc/RpcException.cs`) and Core Tools prints it under
 * "Executed 'Functions.NAME' (Failed, …)" (Azure/azure-functions-core-tools `ColoredConsoleLogger.cs`). For a failure
 * the app expects and retries, the frames tell nothing and were printed again on every retry; the error's first
 * line (`AppError: …`) is kept, and so is the whole stack of any other error.
 */
import type { InvocationContext } from '@azure/functions';
import { isAppError, type AppError } from '../errors.js';
import { escapeUnsafe } from '../shared/log.js';

/** Whether the app expects this failure and something retries it. */
export function isExpectedTransient(error: unknown): error is AppError {
  return isAppError(error) && error.transient;
}

/** A transient `AppError` with its stack cut to its first line; any other error as it is. */
export function withoutFramesIfTransient(error: unknown): unknown {
  if (isExpectedTransient(error)) {
    Object.defineProperty(error, 'stack', { value: escapeUnsafe(`${error.name}: ${error.message}`), writable: true, configurable: true });
  }
  return error;
}

/** The message's dequeue count, from the trigger's metadata (absent when the function was run by hand). */
function dequeueCountOf(context: InvocationContext): number | undefined {
  const count: unknown = context.triggerMetadata?.['dequeueCount'];
  return typeof count === 'number' ? count : undefined;
}

/**
 * Runs a Storage queue-triggered function's work. A transient failure is one warning line — the queue shows the
 * message again after its visibility timeout (host.json `extensions.queues.visibilityTimeout`) until it has been
 * dequeued `maxDequeueCount` times, then moves it to `<queue>-poison` — and fails the invocation without frames.
 */
export async function retriedByQueue<T>(context: InvocationContext, what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isExpectedTransient(error)) {
      const count = dequeueCountOf(context);
      context.warn(
        escapeUnsafe(`${what} → not done, will be retried by the queue after its visibility timeout${count === undefined ? '' : ` (dequeue count ${count})`}: ${error.message}`),
      );
    }
    throw withoutFramesIfTransient(error);
  }
}
