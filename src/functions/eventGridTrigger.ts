import type { InvocationContext } from '@azure/functions';
import type { IntakeDeps } from '../eventIntake/intake.js';
import { withoutFramesIfTransient } from './transientFailure.js';

/**
 * The handler of an Event Grid-triggered function (`amlEvents`, `resourceEvents`): one event through the intake.
 * Everything it needs loads on the first invocation, keeping the app's entry light.
 *
 * A transient failure fails the invocation, so Event Grid delivers the event again; the intake has said so in one
 * line, and the host gets the error without its frames (`transientFailure.ts`).
 */
export function createEventGridTriggerHandler(
  functionName: string,
  loadDeps: () => Promise<IntakeDeps> = async () => (await import('../composition.js')).intakeFor(functionName),
): (event: unknown, context: InvocationContext) => Promise<void> {
  return async (event, context) => {
    const [{ receiveEvent }, deps] = await Promise.all([import('../eventIntake/intake.js'), loadDeps()]);
    try {
      await receiveEvent(event, context, deps);
    } catch (error) {
      throw withoutFramesIfTransient(error);
    }
  };
}
