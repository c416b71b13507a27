/**
 * ModelRegistered → model CD. The version is re-read from ARM with its job (and, for a pipeline step, the parent
 * pipeline job); the policy's CD rules decide whether it came from retraining and which targets get it; each
 * target gets exactly one run per version (`startCdRunOnce`). Skips are recorded with their reason.
 */
import type { ModelRegisteredEvent } from '../events/domainEvent.js';
import { matchCdRules, type CdMatchInput } from '../policy/cdRules.js';
import { readJob, readModelVersion, type JobRecord } from './amlRecords.js';
import { modelSubject } from './cdLedger.js';
import type { EventOutcome } from './routeEvent.js';
import { CD_SKIPPED, startCdRunOnce, type CdRunOutcome } from './startCdRunOnce.js';
import type { UseCaseContext } from './useCaseContext.js';

export async function onModelRegistered(event: ModelRegisteredEvent, context: UseCaseContext): Promise<EventOutcome> {
  const { services, log } = context;
  const { modelName, modelVersion } = event.data;
  const what = `model ${modelName}:${modelVersion}`;
  const skip = (reason: string): EventOutcome => {
    if (!context.dryRun) {
      services.telemetry.trackEvent(CD_SKIPPED, { eventId: event.id, workspaceId: event.workspace?.id, modelName, modelVersion, reason });
    }
    log.info(`CD skipped for ${what}: ${reason}`, { eventId: event.id });
    return { handled: true, reason: `${context.dryRun ? 'would skip' : 'skipped'} ${what}: ${reason}` };
  };

  const workspace = event.workspace;
  if (workspace === null) return skip('the event names no workspace');
  const version = await readModelVersion(services, workspace, modelName, modelVersion);
  if (version === undefined) return skip(`the version does not exist in workspace '${workspace.workspaceName}'`);

  const job = version.jobName === undefined ? undefined : await readJob(services, workspace, version.jobName);
  const parent = job?.parentJobName === undefined ? undefined : await readJob(services, workspace, job.parentJobName);
  const { matches, skipped } = matchCdRules(matchInput(workspace, version, job, parent), services.config.policy);
  if (matches.length === 0) return skip(skipped?.reason ?? 'no CD rule matches');

  const outcomes: CdRunOutcome[] = [];
  let retryable: unknown;
  for (const match of matches) {
    try {
      outcomes.push(
        await startCdRunOnce(context, {
          eventId: event.id,
          key: { workspaceId: workspace.id, subject: modelSubject(modelName, modelVersion), target: match.targetName },
          targetName: match.targetName,
          target: match.target,
          // Azure DevOps refuses template parameters a pipeline does not declare, so only these and the rule's own are sent.
          parameters: modelParameters(match.target.kind, { modelName, modelVersion, workspaceId: workspace.id }, match.rule.parameters),
          what,
          dimensions: { modelName, modelVersion, rule: match.rule.name },
        }),
      );
    } catch (error) {
      // Other targets still get their run; the delivery then fails so Event Grid retries the rest.
      retryable ??= error;
    }
  }
  if (retryable !== undefined) throw retryable;
  return { handled: true, reason: outcomes.map((outcome) => describeOutcome(outcome)).join('; ') };
}

function matchInput(
  workspace: { readonly id: string; readonly workspaceName: string },
  version: { readonly name: string; readonly version: string; readonly tags: Readonly<Record<string, string>> },
  job: JobRecord | undefined,
  parent: JobRecord | undefined,
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
