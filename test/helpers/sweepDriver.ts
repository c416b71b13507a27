/**
 * The sweep's slices run in this process, for tests that are about what a sweep does rather than how its messages
 * travel: the plan's messages are kept in memory and handed to the real slice use case, subscriptions side by side;
 * a message that fails is tried again, and after `maxDequeueCount` tries settled as the poison queue's function
 * settles it. (`test/sweep/sweepQueues.test.ts` runs the same use cases on the offline host's queues.)
 */
import type { SweepDeps } from '../../src/sweep/deps.js';
import { planSweep, type PlanOptions } from '../../src/sweep/planSweep.js';
import type { SweepSliceMessage } from '../../src/sweep/ports.js';
import type { SweepReport } from '../../src/sweep/sweepReport.js';
import { settlePoisonedSlice, sweepSlice, type SliceOutcome } from '../../src/sweep/sweepSlice.js';
import type { Log } from '../../src/shared/log.js';

export interface DrivenSweep {
  readonly report: SweepReport | undefined;
  /** Every message the run sent, in order. */
  readonly messages: readonly SweepSliceMessage[];
  readonly outcomes: readonly SliceOutcome[];
}

export async function sweepInThisProcess(deps: SweepDeps, log: Log, options: PlanOptions & { readonly maxDequeueCount?: number } = {}): Promise<DrivenSweep> {
  const waiting: { message: SweepSliceMessage; dequeueCount: number }[] = [];
  const messages: SweepSliceMessage[] = [];
  const driven: SweepDeps = {
    ...deps,
    slices: {
      send: async (message) => {
        messages.push(message);
        waiting.push({ message, dequeueCount: 0 });
      },
    },
  };
  const planned = await planSweep(driven, log, options);
  if (planned.kind === 'notConfigured') return { report: undefined, messages, outcomes: [] };
  const outcomes: SliceOutcome[] = [];
  while (waiting.length > 0) {
    const batch = waiting.splice(0);
    await Promise.all(
      batch.map(async (item) => {
        item.dequeueCount += 1;
        try {
          outcomes.push(await sweepSlice(driven, log, item.message));
        } catch {
          if (item.dequeueCount < (options.maxDequeueCount ?? 5)) waiting.push(item);
          else outcomes.push(await settlePoisonedSlice(driven, log, item.message));
        }
      }),
    );
  }
  return { report: await deps.reports.find(planned.run.runId, planned.run.startedAt), messages, outcomes };
}
