/**
 * eventsWebhook — `POST /api/events`: the same events as the Event Grid triggers, delivered to a plain webhook
 * (`http/eventsWebhookController.ts`).
 */
import { app } from '@azure/functions';
import { createEventsWebhookHandler } from '../http/eventsWebhookController.js';

export const eventsWebhookHandler = createEventsWebhookHandler(async () => (await import('../composition.js')).eventsWebhookDeps());

app.http('eventsWebhook', {
  route: 'events',
  methods: ['POST', 'OPTIONS'],
  authLevel: 'anonymous',
  handler: eventsWebhookHandler,
});
