/**
 * ModelRegistered → model CD. The version is re-read from ARM with its job (and, for a pipeline step, the parent
 * pipeline job); the policy's CD rules decide whether it came from retraining and which targets get it; each
 * target gets exactly one run per version (`startCdRunOnce`). Skips are recorded with their reason.
 *
 * Event Grid redelivers, so most deliveries of a version are duplicates. The delivery that re-reads ARM records
 * its decision (`cdDecision`); a duplicate answers from that record and the CD ledger when every matching target
 * is settled (started, or failed for good — a live holder is given a moment to finish), with no ARM call. Anything less certain — no decision
 * yet, a released or stale claim — takes the full path, which acts only on what ARM says.
 */
import { createHash } from 'node:crypto';
import type { EventOutcome, ModelRegisteredEvent, WorkspaceReference } from '../events/domainEvent.js';
import { ensureError } from '../errors.js';
import { matchCdRules, type CdMatch, type CdMatchInput } from '../policy/cdRules.js';
import type { Policy } from '../policy/policySchema.js';
import type { RunContext } from '../shared/useCaseContext.js';
import { cdLedgerKey, modelSubject } from './cdLedger.js';
import type { ModelCdDeps } from './deps.js';
import type { CdDecision, DecisionClaim, ProducingJob } from './ports.js';
import { CD_SKIPPED, reportSettledRun, startCdRunOnce, type CdRunOutcome, type CdRunPlan } from './startCdRunOnce.js';

const fingerprints = new WeakMap<Policy, string>();

/** Identifies the policy's CD section: decisions made under another one are made again. */
export function cdPolicyFingerprint(policy: Policy): string {
  let fingerprint = fingerprints.get(policy);
  if (fingerprint === undefined) {
    fingerprint = createHash('sha256').update(JSON.stringify(policy.cd)).digest('hex').slice(0, 32);
    fingerprints.set(policy, fingerprint);
  }
  return fingerprint;
}

export async function onModelRegistered(deps: ModelCdDeps, event: ModelRegisteredEvent, context: RunContext): Promise<EventOutcome> {
  const { log } = context;
  const { modelName, modelVersion } = event.data;
  const what = `model ${modelName}:${modelVersion}`;
  const skip = (reason: string): EventOutcome => {
    if (!context.dryRun) {
      deps.telemetry.trackEvent(CD_SKIPPED, { eventId: event.id, workspaceId: event.workspace?.id, modelName, modelVersion, reason });
    }
    log.info(`CD skipped: ${reason}`);
    return { handled: true, reason: `${context.dryRun ? 'would skip' : 'skipped'} ${what}: ${reason}` };
  };

  const workspace = event.workspace;
  if (workspace === null) return skip('the event names no workspace');
  const subject = modelSubject(modelName, modelVersion);

  // A dry run decides from ARM as a first delivery would, and records nothing.
  const decisions = context.dryRun ? undefined : deps.decisions;
  const gate = await decisions?.open({ workspaceId: workspace.id, subject }, event.id, cdPolicyFingerprint(deps.policy));
  if (gate?.kind === 'decided') {
    if (gate.decision.outcome === 'skipped') return skip(`${gate.decision.reason} (decided for event ${gate.decision.eventId})`);
    const answer = await answerFromLedger(deps, context, event, workspace, gate.decision.targets);
    if (answer !== undefined) return answer;
  }
  const claim: DecisionClaim | undefined = gate?.kind === 'decide' ? gate.claim : undefined;

  let matched: ArmMatch;
  try {
    matched = await matchFromArm(deps, workspace, modelName, modelVersion);
  } catch (error) {
    // Nothing decided: the next delivery decides at once.
    if (claim !== undefined) await decisions?.release(claim, ensureError(error).message).catch(() => false);
    throw error;
  }
  if (matched.kind === 'absent') {
    if (claim !== undefined) await decisions?.release(claim, matched.reason);
    return skip(matched.reason);
  }
  const { matches, skipped } = matched;
  if (claim !== undefined) await decisions?.record(claim, decisionOf(event.id, matches, skipped?.reason));
  if (matches.length === 0) return skip(skipped?.reason ?? 'no CD rule matches');

  const outcomes: CdRunOutcome[] = [];
  let retryable: unknown;
  for (const match of matches) {
    try {
      outcomes.push(await startCdRunOnce(deps, context, runPlan(event, workspace, match.targetName, match)));
    } catch (error) {
      // Other targets still get their run; the delivery then fails so Event Grid retries the rest.
      retryable ??= error;
    }
  }
  if (retryable !== undefined) throw retryable;
  return { handled: true, reason: outcomes.map((outcome) => describeOutcome(outcome)).join('; ') };
}

type ArmMatch =
  | { readonly kind: 'absent'; readonly reason: string }
  | { readonly kind: 'matched'; readonly matches: readonly CdMatch[]; readonly skipped?: { readonly reason: string } };

/** The version as ARM has it, with its job and the job's pipeline parent, run through the policy's CD rules. */
async function matchFromArm(deps: ModelCdDeps, workspace: WorkspaceReference, modelName: string, modelVersion: string): Promise<ArmMatch> {
  const { registry } = deps;
  const version = await registry.modelVersion(workspace, modelName, modelVersion);
  if (version === undefined) return { kind: 'absent', reason: `the version does not exist in workspace '${workspace.workspaceName}'` };
  const job = version.jobName === undefined ? undefined : await registry.job(workspace, version.jobName);
  const parent = job?.parentJobName === undefined ? undefined : await registry.job(workspace, job.parentJobName);
  return { kind: 'matched', ...matchCdRules(matchInput(workspace, version, job, parent), deps.policy) };
}

function decisionOf(eventId: string, matches: readonly CdMatch[], skippedReason: string | undefined): CdDecision {
  return matches.length === 0
    ? { outcome: 'skipped', reason: skippedReason ?? 'no CD rule matches', eventId }
    : { outcome: 'matched', targets: matches.map((match) => ({ target: match.targetName, rule: match.rule.name })), eventId };
}

/**
 * A duplicate's answer from the CD ledger alone, when it settles every target the version was matched to;
 * `undefined` (take the full path) when any target's run still has to be started or retried.
 */
async function answerFromLedger(
  deps: ModelCdDeps,
  context: RunContext,
  event: ModelRegisteredEvent,
  workspace: WorkspaceReference,
  targets: readonly { readonly target: string; readonly rule: string }[],
): Promise<EventOutcome | undefined> {
  const { ledger } = deps;
  const { cd } = deps.policy;
  const settled = await Promise.all(
    targets.map(async ({ target: targetName, rule: ruleName }) => {
      const target = cd.targets[targetName];
      const rule = cd.rules.find((candidate) => candidate.name === ruleName);
      if (target === undefined || rule === undefined) return undefined;
      const plan = runPlan(event, workspace, targetName, { target, rule });
      const state = await ledger.settledOrWait(cdLedgerKey(plan.key));
      return state === undefined ? undefined : { plan, state };
    }),
  );
  if (settled.length === 0 || settled.some((entry) => entry === undefined)) return undefined;
  const outcomes = settled.flatMap((entry) => (entry === undefined ? [] : [reportSettledRun(deps, context, entry.plan, entry.state)]));
  return { handled: true, reason: outcomes.map((outcome) => describeOutcome(outcome)).join('; ') };
}

function runPlan(event: ModelRegisteredEvent, workspace: WorkspaceReference, targetName: string, match: Pick<CdMatch, 'target' | 'rule'>): CdRunPlan {
  const { modelName, modelVersion } = event.data;
  return {
    eventId: event.id,
    key: { workspaceId: workspace.id, subject: modelSubject(modelName, modelVersion), target: targetName },
    targetName,
    target: match.target,
    // Azure DevOps refuses template parameters a pipeline does not declare, so only these and the rule's own are sent.
    parameters: modelParameters(match.target.kind, { modelName, modelVersion, workspaceId: workspace.id }, match.rule.parameters),
    what: `model ${modelName}:${modelVersion}`,
    dimensions: { modelName, modelVersion, rule: match.rule.name },
  };
}

function matchInput(
  workspace: { readonly id: string; readonly workspaceName: string },
  version: { readonly name: string; readonly version: string; readonly tags: Readonly<Record<string, string>> },
  job: ProducingJob | undefined,
  parent: ProducingJob | undefined,
): CdMatchInput {
  return {
    workspace: { id: workspace.id, name: workspace.workspaceName },
    model: { name: version.name, version: version.version, tags: version.tags },
    ...(job === undefined
      ? {}
      : {
          job: {
            name: job.name,
            experimentName: job.experimentName,
            tags: job.tags,
            ...(parent === undefined ? {} : { parent: { experimentName: parent.experimentName, tags: parent.tags } }),
          },
        }),
  };
}

interface ModelFacts {
  readonly modelName: string;
  readonly modelVersion: string;
  readonly workspaceId: string;
}

/** GitHub workflow inputs are conventionally snake_case; Azure DevOps template parameters and webhooks take camelCase. */
export function modelParameters(
  targetKind: string,
  facts: ModelFacts,
  extra: Readonly<Record<string, string | number | boolean>> | undefined,
): Record<string, string | number | boolean> {
  const own: Record<string, string> =
    targetKind === 'githubActions'
      ? { model_name: facts.modelName, model_version: facts.modelVersion, workspace_id: facts.workspaceId }
      : { modelName: facts.modelName, modelVersion: facts.modelVersion, workspaceId: facts.workspaceId };
  return { ...extra, ...own };
}

function describeOutcome(outcome: CdRunOutcome): string {
  switch (outcome.kind) {
    case 'started':
      return `started run ${outcome.runId ?? '(no id)'}${outcome.link === undefined ? '' : ` ${outcome.link}`}`;
    default:
      return outcome.reason;
  }
}
