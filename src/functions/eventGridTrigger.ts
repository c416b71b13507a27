import type { InvocationContext } from '@azure/functions';
import type { IntakeDeps } from '../eventIntake/intake.js';

/**
 * The handler of an Event Grid-triggered function (`amlEvents`, `resourceEvents`): one event through the intake.
 * Everything it needs loads on the first invocation, keeping the app's entry light.
 */
export function createEventGridTriggerHandler(
  functionName: string,
  loadDeps: () => Promise<IntakeDeps> = async () => (await import('../composition.js')).intakeFor(functionName),
): (event: unknown, context: InvocationContext) => Promise<void> {
  return async (event, context) => {
    const [{ receiveEvent }, deps] = await Promise.all([import('../eventIntake/intake.js'), loadDeps()]);
    await receiveEvent(event, context, deps);
  };
}
