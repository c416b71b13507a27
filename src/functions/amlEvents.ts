/**
 * amlEvents — Event Grid trigger for the Azure ML workspace system topic (ModelRegistered,
 * RunStatusChanged, ...). Parses the one event and hands it to `routeEvent`.
 */
import { app, type InvocationContext } from '@azure/functions';
import type { TriggeredEventDeps } from '../events/receiveTriggeredEvent.js';

const functionName = 'amlEvents';

/** Production wiring: the real router, drops counted in the app's telemetry. Loaded on first use to keep the entry light. */
async function defaultDeps(): Promise<TriggeredEventDeps> {
  const [{ routeEvent }, { countDroppedEvent }] = await Promise.all([import('../app/routeEvent.js'), import('../events/droppedEvent.js')]);
  return {
    route: routeEvent,
    countDropped: async (dropped) => {
      const { getServices } = await import('../app/services.js');
      countDroppedEvent((await getServices()).telemetry, dropped, functionName);
    },
  };
}

export function createAmlEventsHandler(loadDeps: () => Promise<TriggeredEventDeps> = defaultDeps) {
  return async (event: unknown, context: InvocationContext): Promise<void> => {
    const [{ receiveTriggeredEvent }, deps] = await Promise.all([import('../events/receiveTriggeredEvent.js'), loadDeps()]);
    await receiveTriggeredEvent(event, context, deps);
  };
}

export const amlEventsHandler = createAmlEventsHandler();

app.eventGrid(functionName, { handler: amlEventsHandler });
