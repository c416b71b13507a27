/**
 * amlEvents — Event Grid trigger for the Azure ML workspace system topic (ModelRegistered,
 * RunStatusChanged, ...): the one event goes through the event intake (`eventIntake/intake.ts`).
 */
import { app } from '@azure/functions';
import { createEventGridTriggerHandler } from './eventGridTrigger.js';

export const amlEventsHandler = createEventGridTriggerHandler('amlEvents');

app.eventGrid('amlEvents', { handler: amlEventsHandler });
