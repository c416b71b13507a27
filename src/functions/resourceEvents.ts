/**
 * resourceEvents — Event Grid trigger for resource-group and subscription events
 * (ResourceWriteSuccess on workspaces and computes). Parses the one event and hands it to `routeEvent`.
 */
import { app, type InvocationContext } from '@azure/functions';
import type { TriggeredEventDeps } from '../events/receiveTriggeredEvent.js';

const functionName = 'resourceEvents';

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

export function createResourceEventsHandler(loadDeps: () => Promise<TriggeredEventDeps> = defaultDeps) {
  return async (event: unknown, context: InvocationContext): Promise<void> => {
    const [{ receiveTriggeredEvent }, deps] = await Promise.all([import('../events/receiveTriggeredEvent.js'), loadDeps()]);
    await receiveTriggeredEvent(event, context, deps);
  };
}

export const resourceEventsHandler = createResourceEventsHandler();

app.eventGrid(functionName, { handler: resourceEventsHandler });
