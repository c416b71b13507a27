import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { plainLog } from '../shared/log.js';
import { toHttpResponse } from './toHttpResponse.js';

/** An HTTP function's handler as this app writes them: always a plain `HttpResponseInit` (assignable to the host's `HttpHandler`). */
export type AppHttpHandler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

/**
 * Wraps an HTTP function so that anything it throws goes through `toHttpResponse`; handlers
 * return their success response and throw `AppError`s for everything else.
 */
export function httpHandler(handle: AppHttpHandler): AppHttpHandler {
  return async (request, context) => {
    try {
      return await handle(request, context);
    } catch (error) {
      // Error messages can carry what a caller sent (an event id, a name): logged escaped.
      return toHttpResponse(error, plainLog(context));
    }
  };
}
