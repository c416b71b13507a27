import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { AppError } from '../errors.js';

/**
 * The CloudEvents 1.0 webhook abuse-protection handshake: `OPTIONS` with `WebHook-Request-Origin`
 * → 200 with `WebHook-Allowed-Origin` (and `WebHook-Allowed-Rate: *` when a rate is asked for).
 */
export function answerAbuseProtectionHandshake(request: HttpRequest): HttpResponseInit {
  const origin = request.headers.get('webhook-request-origin')?.trim();
  if (origin === undefined || origin === '') {
    throw new AppError('BadRequest', 'OPTIONS is only answered as the CloudEvents handshake: send WebHook-Request-Origin', {
      target: 'headers.WebHook-Request-Origin',
      module: 'http',
    });
  }
  const headers: Record<string, string> = { 'WebHook-Allowed-Origin': origin, Allow: 'POST, OPTIONS' };
  if (request.headers.has('webhook-request-rate')) headers['WebHook-Allowed-Rate'] = '*';
  return { status: 200, headers };
}
