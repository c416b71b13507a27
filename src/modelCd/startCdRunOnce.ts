/**
 * Starts one CD run for one (workspace, subject, target), exactly once, whatever Event Grid redelivers:
 * claim in the CD ledger → start the run → record its id and link → done.
 *
 * Exactly once at the target, not only in the ledger: every attempt sends the same idempotency key (`runKeyOf`).
 * An attempt after an earlier one — released after a failure whose outcome is unknown (a timeout, a reset
 * connection, a 5xx after the request went out), or taken over from a holder that crashed between starting the run
 * and recording it — first asks the target for a run with that key, and records that run instead of starting
 * another.
 *
 * - transient failure (timeout, 408/429/5xx, Key Vault or storage briefly unavailable): the claim is released and
 *   the error rethrown, so the invocation fails and Event Grid redelivers;
 * - permanent failure (the target answers 4xx, a secret or the configuration is wrong): notified on the policy's
 *   `notifications.cd` channel, recorded as failed in the ledger, and not retried.
 * Telemetry: `CdTriggered`, `CdSkipped` (with the reason) and `CdFailed`, each with the event id.
 */
import { AppError, ensureError, isAppError } from '../errors.js';
import { joinSentences } from '../shared/text.js';
import { sendNotification } from '../notifications/sendNotification.js';
import { channelFor } from '../policy/notificationRoutes.js';
import type { CdTarget } from '../policy/policySchema.js';
import type { OnceClaim, OnceSettled } from '../shared/onceLedger.js';
import type { RunContext } from '../shared/useCaseContext.js';
import { cdLedgerKey, runKeyOf, runResult, type CdLedgerKey } from './cdLedger.js';
import type { ModelCdDeps } from './deps.js';
import type { CdParameterValue } from './ports.js';

export const CD_TRIGGERED = 'CdTriggered';
export const CD_SKIPPED = 'CdSkipped';
export const CD_FAILED = 'CdFailed';
/** A run the target cannot be asked about by its idempotency key (a pipeline named without it). */
export const CD_RUN_NOT_FINDABLE = 'CdRunNotFindable';

export interface CdRunPlan {
  readonly eventId: string;
  readonly key: CdLedgerKey;
  readonly targetName: string;
  readonly target: CdTarget;
  readonly parameters: Readonly<Record<string, CdParameterValue>>;
  /** What the run is for, in words (`model churn:7`, `drift on dataset …`), for logs and notifications. */
  readonly what: string;
  /** Extra telemetry dimensions (model name, version, rule…). */
  readonly dimensions: Readonly<Record<string, string>>;
}

export type CdRunOutcome =
  | { readonly kind: 'started'; readonly runId: string | undefined; readonly link: string | undefined; readonly attempt: number }
  | { readonly kind: 'skipped'; readonly reason: string }
  | { readonly kind: 'failed'; readonly reason: string }
  | { readonly kind: 'wouldStart'; readonly reason: string };

export async function startCdRunOnce(deps: ModelCdDeps, context: RunContext, plan: CdRunPlan): Promise<CdRunOutcome> {
  const { log } = context;
  const { ledger, telemetry } = deps;
  const adapter = deps.targets.forTarget(plan.target);
  const base = baseDimensions(plan);
  const keys = cdLedgerKey(plan.key);

  if (context.dryRun) {
    const previous = await ledger.settled(keys);
    const reason =
      previous === undefined
        ? `would start ${adapter.description} for ${plan.what} with ${describeParameters(plan.parameters)}`
        : `would start nothing for ${plan.what} on '${plan.targetName}': ${previous.kind === 'inProgress' ? `being started by another delivery (event ${previous.eventId})` : describePrevious(previous)}`;
    return { kind: 'wouldStart', reason };
  }

  const claim = await ledger.claimOrWait(keys, plan.eventId);
  if (claim.kind !== 'claimed') return reportSettledRun(deps, context, plan, claim);
  const claimedAt = deps.now().getTime();
  const idempotencyKey = runKeyOf(plan.key);

  let run;
  let recovered = false;
  try {
    if (claim.attempt > 1) {
      const earlier = await adapter.findRun(idempotencyKey, new Date(deps.now().getTime() - EARLIER_ATTEMPTS_WITHIN_MS));
      if (earlier.kind === 'found') {
        run = earlier.run;
        recovered = true;
      }
    }
    if (run === undefined) {
      // Never start a run so late that the claim could lapse while it is being started: a takeover then could not
      // find it yet, and would start a second one.
      if (deps.now().getTime() - claimedAt > deps.startRunWithinMs) {
        throw new AppError('UpstreamTransient', `the attempt took too long to start the run safely within its claim; the next delivery tries again`, { module: 'cd' });
      }
      run = await adapter.startRun({ eventId: plan.eventId, parameters: plan.parameters, idempotencyKey });
    }
  } catch (error) {
    const failure = isAppError(error) ? error : new AppError('Internal', ensureError(error).message, { module: 'cd', cause: error });
    if (failure.transient || failure.code === 'Internal') {
      await ledger.release(claim, failure.message);
      telemetry.trackEvent(CD_FAILED, { ...base, reason: failure.message, retry: true, attempt: claim.attempt });
      // The event intake logs the failure once, with what retries it.
      throw failure;
    }
    return recordPermanentFailure(deps, context, plan, claim, adapter.description, failure, base);
  }

  const recorded = await ledger.complete(claim, runResult(run));
  if (!recorded) log.warn(`CD run on '${plan.targetName}' started after its claim went stale; another attempt may have started one too`);
  telemetry.trackEvent(CD_TRIGGERED, { ...base, runId: run.runId, link: run.link, attempt: claim.attempt, recovered });
  // The line names the target and the run; the event's label (`eventLog`) names the event and what it is about.
  const onTarget = `on '${plan.targetName}'${run.runId === undefined ? '' : ` (run ${run.runId})`}: ${adapter.description}${run.link === undefined ? '' : ` ${run.link}`}`;
  if (recovered) log.info(`CD already started by an earlier attempt ${onTarget}; recorded it and started nothing`);
  else log.info(`CD started ${onTarget}`);
  if (run.notFindable !== undefined) {
    telemetry.trackEvent(CD_RUN_NOT_FINDABLE, { ...base, runId: run.runId, reason: run.notFindable });
    log.warn(`CD run ${run.runId ?? ''} on '${plan.targetName}' cannot be found again by its key, so after a lost answer a second run cannot be ruled out: ${run.notFindable}`);
  }
  return { kind: 'started', runId: run.runId, link: run.link, attempt: claim.attempt };
}

/** How far back a target is searched for an earlier attempt's run: Event Grid redelivers for 24 hours. */
const EARLIER_ATTEMPTS_WITHIN_MS = 25 * 60 * 60_000;

/** Answers a delivery whose run the ledger already settles — started, or failed for good — without starting anything: `CdSkipped` with the reason. */
export function reportSettledRun(deps: Pick<ModelCdDeps, 'telemetry'>, context: RunContext, plan: CdRunPlan, state: OnceSettled): CdRunOutcome {
  const reason = `${plan.what} on target '${plan.targetName}': ${describePrevious(state)}`;
  deps.telemetry.trackEvent(CD_SKIPPED, { ...baseDimensions(plan), reason });
  context.log.info(`CD skipped on '${plan.targetName}': ${describePrevious(state)}`);
  return { kind: 'skipped', reason };
}

function baseDimensions(plan: CdRunPlan): Record<string, string> {
  return { eventId: plan.eventId, workspaceId: plan.key.workspaceId, subject: plan.key.subject, target: plan.targetName, targetKind: plan.target.kind, ...plan.dimensions };
}

async function recordPermanentFailure(
  deps: ModelCdDeps,
  context: RunContext,
  plan: CdRunPlan,
  claim: OnceClaim,
  description: string,
  failure: AppError,
  base: Readonly<Record<string, string>>,
): Promise<CdRunOutcome> {
  const { log } = context;
  const { ledger } = deps;
  const channel = channelFor('cd', deps.policy);
  if (channel !== undefined) {
    try {
      await sendNotification(deps, log, channel, 'cd', {
        title: `CD could not start for ${plan.what}`,
        text: joinSentences([
          `${description} refused the run: ${failure.message}`,
          'It will not be retried; fix the target or its configuration and register the version again or start the run by hand',
        ]),
        severity: 'error',
        facts: [
          { name: 'Workspace', value: plan.key.workspaceId.split('/').pop() ?? plan.key.workspaceId },
          { name: 'Subject', value: plan.what },
          { name: 'Target', value: `${plan.targetName} (${description})` },
          { name: 'Event', value: plan.eventId },
        ],
        eventId: plan.eventId,
      });
    } catch (error) {
      // A notification that could be sent later is worth a redelivery: give the claim back and retry.
      if (isAppError(error) && error.transient) {
        await ledger.release(claim, failure.message);
        throw error;
      }
      log.error(`Could not notify channel '${channel}' about the failed CD run: ${ensureError(error).message}`);
    }
  }
  await ledger.fail(claim, failure.message);
  deps.telemetry.trackEvent(CD_FAILED, { ...base, reason: failure.message, retry: false, attempt: claim.attempt, code: failure.code });
  log.error(`CD on '${plan.targetName}' failed for good and is not retried: ${failure.message}`);
  return { kind: 'failed', reason: failure.message };
}

function describePrevious(state: OnceSettled): string {
  switch (state.kind) {
    case 'done':
      return `already started${state.result['runId'] === undefined ? '' : ` (run ${state.result['runId']})`} by event ${state.eventId}`;
    case 'failed':
      return `a previous attempt failed permanently (${state.error}); not retried`;
  }
}

function describeParameters(parameters: Readonly<Record<string, CdParameterValue>>): string {
  return Object.entries(parameters)
    .map(([name, value]) => `${name}=${String(value)}`)
    .join(' ');
}
