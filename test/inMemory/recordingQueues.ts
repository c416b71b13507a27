import type { ProvisioningQueue } from '../../src/computeRequests/ports.js';
import type { FlushSchedule } from '../../src/runNotifications/ports.js';

/** The work queues in memory: what was queued, in order, with its delay; a test runs the messages itself. */
export class RecordingQueues {
  readonly provisioningMessages: { readonly requestId: string; readonly delaySeconds: number }[] = [];
  readonly flushRequests: Date[] = [];

  readonly provisioning: ProvisioningQueue = {
    enqueue: async (requestId, delaySeconds) => {
      this.provisioningMessages.push({ requestId, delaySeconds: delaySeconds ?? 0 });
    },
  };

  readonly flushes: FlushSchedule = {
    flushAfter: async (at) => {
      this.flushRequests.push(at);
    },
  };
}
