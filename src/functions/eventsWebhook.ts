/**
 * eventsWebhook — `POST /api/events`: the same events as the Event Grid triggers, delivered to a plain webhook
 * (`eventIntake/eventsWebhookHandler.ts`).
 */
import { app } from '@azure/functions';
import { createEventsWebhookHandler } from '../eventIntake/eventsWebhookHandler.js';

export const eventsWebhookHandler = createEventsWebhookHandler();

app.http('eventsWebhook', {
  route: 'events',
  methods: ['POST', 'OPTIONS'],
  authLevel: 'anonymous',
  handler: eventsWebhookHandler,
});
