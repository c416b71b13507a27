/**
 * amlEvents — Event Grid trigger for the Azure ML workspace system topic (ModelRegistered,
 * RunStatusChanged, ...). Parses the one event and hands it to `routeEvent`.
 */
import { app } from '@azure/functions';
import { createEventGridTriggerHandler } from './eventGridTrigger.js';

export const amlEventsHandler = createEventGridTriggerHandler('amlEvents');

app.eventGrid('amlEvents', { handler: amlEventsHandler });
