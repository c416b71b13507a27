/** health — `GET /api/health`, served by `http/healthController.ts`. */
import { app } from '@azure/functions';
import { handleHealth } from '../http/healthController.js';
import { httpHandler } from '../http/httpHandler.js';

export { appFunctionNames } from '../functionNames.js';
export { healthReport } from '../http/healthController.js';

export const healthHandler = httpHandler(handleHealth);

app.http('health', { route: 'health', methods: ['GET'], authLevel: 'anonymous', handler: healthHandler });
