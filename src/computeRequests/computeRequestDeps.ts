/** Wires the compute-request use cases to the process's services: Table Storage, Azure ML, the approvals channel, telemetry. */
import { randomUUID } from 'node:crypto';
import { plainLog } from '../shared/forLog.js';
import { createComputeRequestStore } from '../adapters/tables/computeRequestStore.js';
import { createNotifier } from '../adapters/notifiers/createNotifier.js';
import type { Notifier } from '../notifications/notification.js';
import { channelFor } from '../policy/notificationRoutes.js';
import type { Services } from '../services.js';
import { createArmComputeGateway } from '../adapters/arm/computeGateway.js';
import { createComputeRequestNotifier } from './computeRequestNotifications.js';
import type { ComputeRequestDeps, ComputeRequestLog } from './ports.js';

function createComputeRequestDeps(services: Services, consoleLog: ComputeRequestLog = console): ComputeRequestDeps {
  // Requests carry free text (a justification) and ARM errors; every line is escaped.
  const log = plainLog(consoleLog);
  const { policy } = services.config;
  let approvalsNotifier: Notifier | undefined;
  const channel = channelFor('approvals', policy);
  return {
    store: createComputeRequestStore(services.state),
    gateway: createArmComputeGateway((subscriptionId) => services.arm(subscriptionId)),
    notifier: createComputeRequestNotifier({
      notifier: () => {
        if (channel === undefined) return undefined;
        approvalsNotifier ??= createNotifier(channel, policy, services);
        return approvalsNotifier;
      },
      studioUrl: services.config.settings.studioUrl,
      log,
    }),
    telemetry: services.telemetry,
    policy,
    now: () => new Date(),
    newId: randomUUID,
    log,
  };
}

const depsByServices = new WeakMap<Services, ComputeRequestDeps>();

/** The use cases' dependencies for the process's services (built once per services root). */
export async function getComputeRequestDeps(): Promise<ComputeRequestDeps> {
  const { getServices } = await import('../services.js');
  const services = await getServices();
  let deps = depsByServices.get(services);
  if (deps === undefined) {
    deps = createComputeRequestDeps(services);
    depsByServices.set(services, deps);
  }
  return deps;
}
