import type { InvocationContext } from '@azure/functions';
import type { TriggeredEventDeps } from './receiveTriggeredEvent.js';

/** Production wiring: the real router, drops counted in the app's telemetry under the function's name. */
async function productionDeps(functionName: string): Promise<TriggeredEventDeps> {
  const [{ routeEvent }, { countDroppedEvent }] = await Promise.all([import('./routeEvent.js'), import('./droppedEvent.js')]);
  return {
    route: routeEvent,
    countDropped: async (dropped) => {
      const { getServices } = await import('../services.js');
      countDroppedEvent((await getServices()).telemetry, dropped, functionName);
    },
  };
}

/**
 * The handler of an Event Grid-triggered function (`amlEvents`, `resourceEvents`): one event,
 * parsed and routed by `receiveTriggeredEvent`. Everything it needs loads on the first
 * invocation, keeping the app's entry light.
 */
export function createEventGridTriggerHandler(
  functionName: string,
  loadDeps: () => Promise<TriggeredEventDeps> = () => productionDeps(functionName),
): (event: unknown, context: InvocationContext) => Promise<void> {
  return async (event, context) => {
    const [{ receiveTriggeredEvent }, deps] = await Promise.all([import('./receiveTriggeredEvent.js'), loadDeps()]);
    await receiveTriggeredEvent(event, context, deps);
  };
}
