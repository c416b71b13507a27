/**
 * resourceEvents — Event Grid trigger for resource-group and subscription events
 * (ResourceWriteSuccess on workspaces and computes). Parses the one event and hands it to `routeEvent`.
 */
import { app } from '@azure/functions';
import { createEventGridTriggerHandler } from './eventGridTrigger.js';

export const resourceEventsHandler = createEventGridTriggerHandler('resourceEvents');

app.eventGrid('resourceEvents', { handler: resourceEventsHandler });
