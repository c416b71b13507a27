/**
 * resourceEvents — Event Grid trigger for resource-group and subscription events
 * (ResourceWriteSuccess on workspaces and computes): the one event goes through the event intake (`eventIntake/intake.ts`).
 */
import { app } from '@azure/functions';
import { createEventGridTriggerHandler } from './eventGridTrigger.js';

export const resourceEventsHandler = createEventGridTriggerHandler('resourceEvents');

app.eventGrid('resourceEvents', { handler: resourceEventsHandler });
