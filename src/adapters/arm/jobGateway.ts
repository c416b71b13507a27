/**
 * Azure ML jobs for job governance. Reads use api-version 2024-04-01 through the client's own pipeline
 * (`ArmRequester`), because `@azure/arm-machinelearning` 2.1.1 speaks 2022-10-01, whose `JobBase` has no
 * `queueSettings`; the body is parsed as azure-rest-api-specs `stable/2024-04-01/mfe.json` `JobBase`.
 * - `Jobs_Get`: `GET …/workspaces/{w}/jobs/{id}`;
 * - `Jobs_List`: `GET …/workspaces/{w}/jobs`, paged by `nextLink`; its parameters are `$skipToken`, `jobType`, `tag`
 *   and `listViewType` only — no status filter — so finished jobs are dropped here;
 * - `Jobs_Cancel`: `POST …/jobs/{id}/cancel`, `202` + `Location` (long-running, `final-state-via: location`), followed
 *   to its end by the SDK's poller.
 */
import * as z from 'zod';
import { AppError } from '../../errors.js';
import type { WorkspaceReference } from '../../events/domainEvent.js';
import type { JobGateway } from '../../jobs/ports.js';
import { isActiveJob, jobResourceSchema, type JobResource } from '../../policy/jobRules.js';
import { fromAzureError } from '../azureErrors.js';
import { ArmRequester, armUrl, encodeArmPath, type ArmPacing } from './armRequest.js';
import type { MachineLearningClientFactory } from './machineLearning.js';

const JOBS_API_VERSION = '2024-04-01';
/** `JobBaseResourceArmPaginatedResult`: a page of jobs and the link to the next. */
const jobPageSchema = z.object({ value: z.array(z.unknown()).default([]), nextLink: z.string().nullish() });

export interface JobGatewayOptions {
  readonly armEndpoint: string;
  readonly clientFor: MachineLearningClientFactory;
  readonly pacing?: ArmPacing | undefined;
  /** How often Jobs_Cancel is polled. */
  readonly pollIntervalMs?: number;
}

function parseJob(body: unknown, what: string): JobResource {
  const parsed = jobResourceSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError('UpstreamPermanent', `${what}: unexpected answer at '${issue?.path.join('.') ?? ''}': ${issue?.message ?? 'invalid'}`, { module: 'jobs' });
  }
  return parsed.data;
}

export function createJobGateway(options: JobGatewayOptions): JobGateway {
  const requester = new ArmRequester({ clientFor: options.clientFor, pacing: options.pacing });
  const jobsUrl = async (workspace: WorkspaceReference, suffix: string): Promise<string> =>
    armUrl(options.armEndpoint, `${encodeArmPath(workspace.id)}/jobs${suffix}`, JOBS_API_VERSION);
  return {
    async readJob(workspace, name) {
      const what = `Reading job '${name}'`;
      try {
        const answer = await requester.send({ subscriptionId: workspace.subscriptionId, method: 'GET', url: await jobsUrl(workspace, `/${encodeURIComponent(name)}`), what });
        return parseJob(answer.body, what);
      } catch (error) {
        if (error instanceof AppError && error.code === 'NotFound') return undefined;
        throw error;
      }
    },
    async listActiveJobs(workspace) {
      const what = `Listing jobs of ${workspace.workspaceName}`;
      const jobs: JobResource[] = [];
      let url: string | undefined = await jobsUrl(workspace, '');
      while (url !== undefined) {
        const answer = await requester.send({ subscriptionId: workspace.subscriptionId, method: 'GET', url, what });
        const page = jobPageSchema.safeParse(answer.body);
        if (!page.success) throw new AppError('UpstreamPermanent', `${what}: the answer is not a page of jobs`, { module: 'jobs' });
        for (const value of page.data.value) {
          const job = parseJob(value, what);
          if (isActiveJob(job)) jobs.push(job);
        }
        url = page.data.nextLink === undefined || page.data.nextLink === null || page.data.nextLink === '' ? undefined : page.data.nextLink;
      }
      return jobs;
    },
    async cancelJob(workspace, name) {
      try {
        const client = await options.clientFor(workspace.subscriptionId);
        await client.jobs.beginCancelAndWait(workspace.resourceGroup, workspace.workspaceName, name, { updateIntervalInMs: options.pollIntervalMs ?? 2_000 });
      } catch (error) {
        throw fromAzureError(error, `cancelling job '${name}'`, { module: 'jobs' });
      }
    },
  };
}
