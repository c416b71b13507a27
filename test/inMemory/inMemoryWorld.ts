/**
 * The capabilities wired to in-memory ports: the Table repositories on `MemoryStateStore` (the claim/lease code
 * production runs), Azure ML, the CD targets, the compute gateway and the notification channels as recording
 * fakes, and one hand-moved clock. A use-case test builds one world per test and reads what happened from it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAuditTrail } from '../../src/adapters/tables/auditTrail.js';
import { createBurstWindows } from '../../src/adapters/tables/burstWindows.js';
import { createCdDecisions } from '../../src/adapters/tables/cdDecisions.js';
import { createComputeRequestStore } from '../../src/adapters/tables/computeRequestStore.js';
import { CD_LEDGER_TABLE, createOnceLedger, DEFAULT_LEASE_MS, EVENT_DEDUP_TABLE, OWNER_NOTICE_TABLE } from '../../src/adapters/tables/onceLedger.js';
import { createRemediationLedger } from '../../src/adapters/tables/remediationLedger.js';
import { InMemoryTelemetry } from '../../src/adapters/telemetry/telemetry.js';
import { createComputeRequestNotifier } from '../../src/computeRequests/computeRequestNotifications.js';
import type { ComputeRequestDeps } from '../../src/computeRequests/ports.js';
import type { GovernanceDeps } from '../../src/governance/deps.js';
import { ownerNotification } from '../../src/governance/ownerNotification.js';
import type { ModelCdDeps } from '../../src/modelCd/deps.js';
import { sendNotification } from '../../src/notifications/sendNotification.js';
import { parsePolicyYaml } from '../../src/policy/document.js';
import { channelFor } from '../../src/policy/notificationRoutes.js';
import type { Policy } from '../../src/policy/policySchema.js';
import type { RunNotificationDeps } from '../../src/runNotifications/deps.js';
import { ManualClock } from './clock.js';
import { MemoryAzureMl } from './memoryAzureMl.js';
import { MemoryCdTargets } from './memoryCdTargets.js';
import { MemoryComputeGateway } from './memoryComputeGateway.js';
import { MemoryStateStore } from './memoryStateStore.js';
import { RecordingLog } from './recordingLog.js';
import { RecordingNotifiers } from './recordingNotifiers.js';
import { RecordingQueues } from './recordingQueues.js';
import { repositoryRoot } from '../helpers/repositoryRoot.js';

export const STUDIO_URL = 'https://ml.azure.com';
const PLAYGROUND_POLICY = readFileSync(join(repositoryRoot, 'policy', 'playground.yaml'), 'utf8');

export interface InMemoryWorld {
  readonly policy: Policy;
  readonly clock: ManualClock;
  readonly state: MemoryStateStore;
  readonly azureMl: MemoryAzureMl;
  readonly cdTargets: MemoryCdTargets;
  readonly computes: MemoryComputeGateway;
  readonly notifiers: RecordingNotifiers;
  readonly queues: RecordingQueues;
  readonly telemetry: InMemoryTelemetry;
  readonly log: RecordingLog;
  readonly modelCd: ModelCdDeps;
  readonly runNotifications: RunNotificationDeps;
  readonly governance: GovernanceDeps;
  readonly computeRequests: ComputeRequestDeps;
  /** Telemetry events of that name, oldest first. */
  events(name: string): Readonly<Record<string, string>>[];
}

export interface WorldOptions {
  /** Edits the playground policy's text before it is parsed. */
  readonly policy?: (text: string) => string;
  /** How long after its claim a CD run may still be started. Default: as production with the default 10 s timeout. */
  readonly startRunWithinMs?: number;
}

/** Each world its own tables, so nothing one test keeps (nor this process's deciders, keyed by table) reaches another. */
let worlds = 0;

export function inMemoryWorld(options: WorldOptions = {}): InMemoryWorld {
  const policy = parsePolicyYaml((options.policy ?? ((text) => text))(PLAYGROUND_POLICY), 'playground.yaml');
  const clock = new ManualClock();
  const now = clock.now;
  const state = new MemoryStateStore(`w${(worlds += 1)}`);
  const azureMl = new MemoryAzureMl();
  const cdTargets = new MemoryCdTargets(now);
  const computes = new MemoryComputeGateway();
  const notifiers = new RecordingNotifiers(Object.keys(policy.notifications.channels));
  const queues = new RecordingQueues();
  const telemetry = new InMemoryTelemetry(10_000);
  const log = new RecordingLog();
  const notices = { notifiers, telemetry };
  const violations = channelFor('violations', policy);
  let ids = 0;

  return {
    policy,
    clock,
    state,
    azureMl,
    cdTargets,
    computes,
    notifiers,
    queues,
    telemetry,
    log,
    modelCd: {
      policy,
      registry: azureMl,
      targets: cdTargets,
      ledger: createOnceLedger(state, CD_LEDGER_TABLE, { now }),
      decisions: createCdDecisions(state, { now }),
      notifiers,
      telemetry,
      // As `composition.ts` derives it: the ledger's lease less two outbound timeouts (AML_WARDEN_HTTP_TIMEOUT_MS default 10 s).
      startRunWithinMs: options.startRunWithinMs ?? DEFAULT_LEASE_MS - 2 * 10_000,
      now,
    },
    runNotifications: {
      policy,
      runs: azureMl,
      dedup: createOnceLedger(state, EVENT_DEDUP_TABLE, { now }),
      bursts: createBurstWindows(state),
      flushes: queues.flushes,
      notifiers,
      telemetry,
      studioUrl: STUDIO_URL,
      now,
    },
    governance: {
      policy,
      arm: azureMl,
      audit: createAuditTrail(state),
      remediations: createRemediationLedger(state, now),
      notices: createOnceLedger(state, OWNER_NOTICE_TABLE, { now }),
      ...(violations === undefined ? {} : { notifyOwner: (notice) => sendNotification(notices, log, violations, 'violations', ownerNotification(notice, STUDIO_URL)) }),
      telemetry,
      now,
      confirmWithinMs: 0,
    },
    computeRequests: {
      store: createComputeRequestStore(state),
      gateway: computes,
      provisioning: queues.provisioning,
      notifier: createComputeRequestNotifier({
        notifier: () => {
          const channel = channelFor('approvals', policy);
          return channel === undefined ? undefined : notifiers.forChannel(channel);
        },
        studioUrl: STUDIO_URL,
        log,
      }),
      telemetry,
      policy,
      now,
      newId: () => `request-${(ids += 1)}`,
      log,
    },
    events: (name) => telemetry.items().flatMap((item) => (item.kind === 'event' && item.name === name ? [item.properties] : [])),
  };
}
