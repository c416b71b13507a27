/**
 * Small pipeline policies shared by the Azure SDK clients. Plain objects typed against
 * core-rest-pipeline's interface, so building them imports nothing at run time.
 */
import type { PipelinePolicy } from '@azure/core-rest-pipeline';

/** Gives every request a timeout unless the caller set one (the SDKs default to none). */
export function requestTimeoutPolicy(timeoutMs: number): PipelinePolicy {
  return {
    name: 'amlWardenRequestTimeout',
    sendRequest(request, next) {
      if (!request.timeout) request.timeout = timeoutMs;
      return next(request);
    },
  };
}
