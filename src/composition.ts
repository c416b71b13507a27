/**
 * The composition root: the one place that builds adapters and hands the ports they implement to the use cases.
 * Production builds the outside systems from the settings (`productionAdapters`); the CLI does the same; tests build
 * them against the emulator and Azurite, or pass in-memory ones, and compose the app from those.
 *
 * Building is cheap: each adapter imports its SDK on first use, so the app's entry stays light.
 */
import { randomUUID } from 'node:crypto';
import type { TokenCredential } from '@azure/core-auth';
import { createComputeGateway } from './adapters/arm/computeGateway.js';
import { AmlRecords } from './adapters/arm/amlRecords.js';
import { ArmRequester, ArmTokenBucketPacer, type ArmPacing } from './adapters/arm/armRequest.js';
import { createJobGateway } from './adapters/arm/jobGateway.js';
import { createMachineLearningClientFactory, type MachineLearningClientFactory } from './adapters/arm/machineLearning.js';
import { createRemediationAdapter } from './adapters/arm/remediation.js';
import { createWorkspaceInventory } from './adapters/arm/resourceGraph.js';
import { createQuotaReader } from './adapters/arm/quotaReader.js';
import { createCdTargets } from './adapters/cd/createCdTarget.js';
import { createHttpClient, type HttpClient } from './adapters/http/httpClient.js';
import { createCredential } from './adapters/identity/credential.js';
import { createSecretStore, type SecretStore } from './adapters/keyvault/secrets.js';
import { createNotifiers } from './adapters/notifiers/createNotifier.js';
import { createWorkQueues, type WorkQueues } from './adapters/queues/workQueues.js';
import { createAuditTrail } from './adapters/tables/auditTrail.js';
import { createBurstWindows } from './adapters/tables/burstWindows.js';
import { createCdDecisions } from './adapters/tables/cdDecisions.js';
import { createComputeRequestStore } from './adapters/tables/computeRequestStore.js';
import { CD_LEDGER_TABLE, createOnceLedger, DEFAULT_LEASE_MS, EVENT_DEDUP_TABLE, OWNER_NOTICE_TABLE } from './adapters/tables/onceLedger.js';
import { createRemediationLedger } from './adapters/tables/remediationLedger.js';
import { createSweepLedger } from './adapters/tables/sweepLedger.js';
import { createSweepReportStore } from './adapters/tables/sweepReportStore.js';
import { createStateStore, type StateStore } from './adapters/tables/tableState.js';
import { createTelemetry } from './adapters/telemetry/telemetry.js';
import { createComputeRequestNotifier } from './computeRequests/computeRequestNotifications.js';
import type { ComputeRequestDeps } from './computeRequests/ports.js';
import { getConfig, loadSettings, loadTlsCa, type Config } from './config.js';
import type { EventsWebhookDeps } from './http/eventsWebhookController.js';
import { isAppError } from './errors.js';
import type { ComputeRequestsDeps } from './http/computeRequestsController.js';
import type { TokenVerifier } from './http/principal.js';
import { BearerValidator } from './http/verifyBearer.js';
import { countDroppedEvent } from './eventIntake/droppedEvent.js';
import type { IntakeDeps } from './eventIntake/intake.js';
import { routeEvent } from './eventIntake/routeEvent.js';
import type { GovernanceDeps } from './governance/deps.js';
import { ownerNotification } from './governance/ownerNotification.js';
import { createOnlineEndpointGateway } from './adapters/arm/onlineEndpointGateway.js';
import { onlineOwnerNotification } from './onlineEndpoints/onlineOwnerNotification.js';
import type { OnlineOwnerNotice } from './onlineEndpoints/ports.js';
import type { OwnerNotice } from './governance/ports.js';
import type { ModelCdDeps } from './modelCd/deps.js';
import type { Notifiers } from './notifications/ports.js';
import { sendNotification } from './notifications/sendNotification.js';
import { channelFor } from './policy/notificationRoutes.js';
import type { Policy } from './policy/policySchema.js';
import { queueNames } from './queueNames.js';
import type { RunNotificationDeps } from './runNotifications/deps.js';
import { plainLog, type Log } from './shared/log.js';
import type { Telemetry } from './shared/telemetry.js';
import type { SliceLimits, SweepDeps } from './sweep/deps.js';
import { DEFAULT_SLICE_LIMITS } from './sweep/sweepSlice.js';
import type { SweepReportStore } from './sweep/ports.js';

/** The outside systems, as built from the settings. */
export interface Adapters {
  readonly http: HttpClient;
  readonly credential: TokenCredential;
  /** The Azure ML management client for a subscription (cached per subscription). */
  readonly arm: MachineLearningClientFactory;
  readonly state: StateStore;
  readonly secrets: SecretStore;
  readonly telemetry: Telemetry;
  /** The Storage queues background work runs on. */
  readonly queues: WorkQueues;
  /** Entra ID token validation for the app's API (keys fetched and cached per tenant); undefined when not configured. */
  readonly tokens: TokenVerifier | undefined;
}

export interface AdapterOverrides {
  /** e.g. an in-memory telemetry a test inspects. */
  readonly telemetry?: Telemetry;
  readonly credential?: TokenCredential;
}

/** The adapters for the configured outside systems: ARM, Table Storage, Key Vault, Application Insights. */
export function productionAdapters(config: Config, overrides: AdapterOverrides = {}): Adapters {
  const { settings, tlsCa } = config;
  const http = createHttpClient({ timeoutMs: settings.httpTimeoutMs, ca: tlsCa });
  const credential = overrides.credential ?? createCredential(settings, http);
  return {
    http,
    credential,
    arm: createMachineLearningClientFactory({ armEndpoint: settings.armEndpoint, credential, timeoutMs: settings.httpTimeoutMs, ca: tlsCa }),
    state: createStateStore({ state: settings.state, tablePrefix: settings.tablePrefix, credential, timeoutMs: settings.httpTimeoutMs, ca: tlsCa }),
    secrets: createSecretStore({
      keyVaultUrl: settings.keyVaultUrl,
      credential,
      credentialKind: settings.credential,
      ttlSeconds: settings.secretTtlSeconds,
      timeoutMs: settings.httpTimeoutMs,
      ca: tlsCa,
    }),
    queues: createWorkQueues({ settings: settings.queue, credential, timeoutMs: settings.httpTimeoutMs }),
    tokens: settings.auth === undefined ? undefined : new BearerValidator(settings.auth, (url) => http.getJson(url)),
    telemetry:
      overrides.telemetry ??
      createTelemetry({
        connectionString: settings.appInsightsConnectionString,
        flushTimeoutMs: settings.httpTimeoutMs,
        // Telemetry must never fail an invocation; say why it is missing, without the connection string.
        onError: (error) => console.warn(`Telemetry unavailable: ${error instanceof Error ? error.name : typeof error}`),
      }),
  };
}

/** What the app's functions, the CLI and the tests run the use cases with. */
export interface App {
  readonly config: Config;
  readonly policy: Policy;
  readonly adapters: Adapters;
  readonly telemetry: Telemetry;
  readonly modelCd: ModelCdDeps;
  readonly runNotifications: RunNotificationDeps;
  readonly governance: GovernanceDeps;
  readonly sweep: SweepDeps;
  readonly computeRequests: ComputeRequestDeps;
  readonly sweepReports: SweepReportStore;
}

/** Governance's ports, with the ARM calls paced as `pacing` says (a sweep paces a whole run per subscription). */
function governanceDeps(config: Config, adapters: Adapters, notifiers: Notifiers, pacing: ArmPacing | undefined): GovernanceDeps {
  const { policy, settings } = config;
  const requester = new ArmRequester({ clientFor: (subscriptionId) => adapters.arm(subscriptionId), pacing });
  const channel = channelFor('violations', policy);
  const notices = { notifiers, telemetry: adapters.telemetry };
  // One owner-notice ledger: computes, online deployments and jobs keep their entries apart by group and item.
  const ownerNotices = createOnceLedger(adapters.state, OWNER_NOTICE_TABLE);
  return {
    policy,
    arm: createRemediationAdapter({ armEndpoint: settings.armEndpoint, requester }),
    audit: createAuditTrail(adapters.state),
    remediations: createRemediationLedger(adapters.state),
    notices: ownerNotices,
    ...(channel === undefined
      ? {}
      : { notifyOwner: (notice: OwnerNotice) => sendNotification(notices, plainLog(console), channel, 'violations', ownerNotification(notice, settings.studioUrl)) }),
    onlineEndpoints: {
      gateway: createOnlineEndpointGateway({ armEndpoint: settings.armEndpoint, clientFor: adapters.arm, pacing, pollIntervalMs: 1_000 }),
      ledger: ownerNotices,
      ...(channel === undefined
        ? {}
        : { notify: (notice: OnlineOwnerNotice) => sendNotification(notices, plainLog(console), channel, 'violations', onlineOwnerNotification(notice, settings.studioUrl)) }),
    },
    jobs: {
      policy,
      jobs: createJobGateway({ armEndpoint: settings.armEndpoint, clientFor: adapters.arm, pacing, pollIntervalMs: 1_000 }),
      once: ownerNotices,
      notify: channel === undefined ? undefined : (notification) => sendNotification(notices, plainLog(console), channel, 'violations', notification),
      studioUrl: settings.studioUrl,
      now: () => new Date(),
    },
    telemetry: adapters.telemetry,
    now: () => new Date(),
  };
}

export interface ComposeOptions {
  /** How a sweep paces its ARM calls per subscription: default ARM's documented token bucket. */
  readonly sweepPacing?: ArmPacing;
  /** How much one sweep slice message takes on: default `DEFAULT_SLICE_LIMITS`. */
  readonly sliceLimits?: SliceLimits;
}

export function composeApp(config: Config, adapters: Adapters = productionAdapters(config), options: ComposeOptions = {}): App {
  const { policy, settings } = config;
  const { state, telemetry } = adapters;
  // Cards link to the console's pages where one is configured.
  const notifiers = createNotifiers(policy, { ...adapters, consoleUrl: settings.consoleUrl });
  const records = new AmlRecords(adapters.arm);
  const now = () => new Date();
  const governance = governanceDeps(config, adapters, notifiers, undefined);
  const sweepReports = createSweepReportStore(state);
  const computeLog: Log = plainLog(console);
  return {
    config,
    policy,
    adapters,
    telemetry,
    modelCd: {
      policy,
      registry: records,
      targets: createCdTargets(adapters),
      ledger: createOnceLedger(state, CD_LEDGER_TABLE),
      decisions: createCdDecisions(state),
      notifiers,
      telemetry,
      startRunWithinMs: DEFAULT_LEASE_MS - 2 * settings.httpTimeoutMs,
      now,
    },
    runNotifications: {
      policy,
      runs: records,
      dedup: createOnceLedger(state, EVENT_DEDUP_TABLE),
      bursts: createBurstWindows(state),
      flushes: {
        // A second past the window's end, so the flush finds it closed.
        flushAfter: (at) => adapters.queues.send(queueNames.burstFlush, { due: at.toISOString() }, { delaySeconds: (at.getTime() - now().getTime()) / 1000 + 1 }),
      },
      notifiers,
      telemetry,
      studioUrl: settings.studioUrl,
      now,
    },
    governance,
    sweep: {
      policy,
      // Resource Graph has its own per-user quota; its calls do not spend a subscription's ARM budget.
      inventory: createWorkspaceInventory({ armEndpoint: settings.armEndpoint, requester: new ArmRequester({ clientFor: (subscriptionId) => adapters.arm(subscriptionId) }) }),
      ledger: createSweepLedger(state),
      reports: sweepReports,
      notifiers,
      telemetry,
      slices: { send: (message, sendOptions) => adapters.queues.send(queueNames.sweepSlices, message, sendOptions) },
      // One pacer for the process: slices of a subscription follow one another, and share its budget.
      governance: governanceDeps(config, adapters, notifiers, options.sweepPacing ?? new ArmTokenBucketPacer()),
      sliceLimits: options.sliceLimits ?? DEFAULT_SLICE_LIMITS,
      quota: createQuotaReader(adapters.arm),
      now,
    },
    computeRequests: {
      store: createComputeRequestStore(state),
      gateway: createComputeGateway(adapters.arm),
      provisioning: { enqueue: (requestId, delaySeconds) => adapters.queues.send(queueNames.provisioning, { requestId }, { delaySeconds: delaySeconds ?? 0 }) },
      notifier: createComputeRequestNotifier({
        notifier: () => {
          const channel = channelFor('approvals', policy);
          return channel === undefined ? undefined : notifiers.forChannel(channel);
        },
        studioUrl: settings.studioUrl,
        log: computeLog,
      }),
      telemetry,
      policy,
      now,
      newId: randomUUID,
      log: computeLog,
    },
    sweepReports,
  };
}

let processApp: App | undefined;

/** The process's app, composed on first use from `getConfig()` (throws its ConfigurationError/PolicyFileError). */
export async function getApp(): Promise<App> {
  processApp ??= composeApp(getConfig());
  return processApp;
}

/** Installs the app every function will use (the offline host in tests); `undefined` goes back to composing from settings. */
export function setAppForProcess(app: App | undefined): void {
  processApp = app;
}

let settingsTokens: { readonly tokens: TokenVerifier | undefined } | undefined;

/**
 * Token validation built from the settings and the CA file alone, without the policy: while the policy file is
 * invalid no app can be composed, yet `/api/health` must still know an operator to tell them what is wrong with it.
 * Undefined when the app validates no tokens; throws `ConfigurationError` when the settings themselves are invalid.
 */
export function tokensWithoutPolicy(): TokenVerifier | undefined {
  settingsTokens ??= (() => {
    const settings = loadSettings();
    if (settings.auth === undefined) return { tokens: undefined };
    const http = createHttpClient({ timeoutMs: settings.httpTimeoutMs, ca: loadTlsCa(settings) });
    return { tokens: new BearerValidator(settings.auth, (url) => http.getJson(url)) };
  })();
  return settingsTokens.tokens;
}

/** The app if something already composed it; never composes (for /api/health, which must not fail because of it). */
export function peekApp(): App | undefined {
  return processApp;
}

/** The event intake of a function: events routed to the process's app, drops counted under the function's name. */
export function intakeFor(functionName: string): IntakeDeps {
  return {
    route: (event, log) => routeEvent(event, getApp, log),
    countDropped: async (dropped) => countDroppedEvent((await getApp()).telemetry, dropped, functionName),
  };
}

/** The app, or `undefined` after logging why not when the configuration is wrong (a timer says so once per tick). */
export async function appOrLogWhyNot(log: Pick<Log, 'error'>, what: string): Promise<App | undefined> {
  try {
    return await getApp();
  } catch (error) {
    // A misconfigured app says why (and /api/health answers 503) instead of failing obscurely on every tick.
    if (isAppError(error) && (error.code === 'ConfigurationError' || error.code === 'PolicyFileError')) {
      log.error(`${what} not configured: ${error.message}`);
      return undefined;
    }
    throw error;
  }
}

/** `POST /api/events`: who may deliver, how many events at once, and the intake. */
export async function eventsWebhookDeps(): Promise<EventsWebhookDeps> {
  const app = await getApp();
  const { settings } = app.config;
  return {
    maxEvents: settings.eventsMaxBatch,
    auth: {
      tokens: app.adapters.tokens,
      requiredRole: settings.eventsRole,
      sharedKeySecretName: settings.eventsSecretName,
      getSecret: (name) => app.adapters.secrets.getSecret(name),
    },
    ...intakeFor('eventsWebhook'),
  };
}

/** The compute-request API: token validation and the use cases' ports. */
export async function computeRequestsApiDeps(): Promise<ComputeRequestsDeps> {
  const app = await getApp();
  return {
    tokens: app.adapters.tokens,
    useCases: async () => app.computeRequests,
  };
}
