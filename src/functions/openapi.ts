/** GET /api/openapi.json — the HTTP API's OpenAPI 3.1 document, generated from the schemas that validate requests. */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { httpHandler } from '../http/httpHandler.js';

export const openApiHandler = httpHandler(async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
  const { openApiDocument } = await import('../http/openapi.js');
  return { status: 200, jsonBody: openApiDocument({ serverUrl: `${new URL(request.url).origin}/api` }), headers: { 'cache-control': 'public, max-age=300' } };
});

app.http('openapi', { route: 'openapi.json', methods: ['GET'], authLevel: 'anonymous', handler: openApiHandler });
