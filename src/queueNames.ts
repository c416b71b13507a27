/**
 * The Storage queues the app's background work runs on, and the connection its queue triggers and senders use:
 * `AML_WARDEN_QUEUE` (a connection string locally) or `AML_WARDEN_QUEUE__queueServiceUri` with the app's identity
 * in Azure (Microsoft Learn, "Identity-based connections": `<CONNECTION>__queueServiceUri`, `__credential`,
 * `__clientId`). Infra creates each queue and its `-poison` queue; a test holds infra to this list.
 * Dependency-free: function registrations read it at load time.
 */
export const QUEUE_CONNECTION = 'AML_WARDEN_QUEUE';

export const queueNames = {
  /** One message per approved compute request, re-sent with a delay while Azure creates the cluster. */
  provisioning: 'aml-warden-provisioning',
  /** A delayed message per burst window of failed runs, due when the window closes. */
  burstFlush: 'aml-warden-burst-flush',
  /** The compliance sweep's slices: one chain of messages per subscription. */
  sweepSlices: 'aml-warden-sweep-slices',
  /**
   * Where the host moves a slice message after maxDequeueCount failures; a function of its own settles it (its
   * workspaces reported as failed, the chain sent on), so it is a work queue too, with a poison queue of its own.
   */
  sweepSlicesPoison: 'aml-warden-sweep-slices-poison',
} as const;

export type QueueName = (typeof queueNames)[keyof typeof queueNames];
