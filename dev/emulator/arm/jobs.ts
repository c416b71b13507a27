import { randomUUID } from 'node:crypto';
import type { Router } from '../router.js';
import { JOB_TYPE, type ArmResource } from '../state.js';
import { armHandler, badRequest, isRecord, readJsonObject, readOptionalObject, refuse } from './armErrors.js';
import type { ArmServices } from './armServices.js';
import { requireWorkspace } from './lookup.js';
import { listPage } from './paging.js';
import { experimentIdOf, workspaceEvent } from './resourceEvents.js';
import { systemDataFor, toArmBody } from './resourceView.js';

const JOBS = '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/{workspaceName}/jobs';
const JOB = `${JOBS}/{id}`;
const CANCEL_RESULTS = '/subscriptions/{subscriptionId}/providers/Microsoft.MachineLearningServices/locations/{location}/mfeOperationResults/{operationId}';
/** mfe.json `JobStatus` values after which a job runs no more: cancelling one changes nothing. */
const FINISHED = new Set(['completed', 'failed', 'canceled', 'notresponding']);
const JOB_TYPES = ['AutoML', 'Command', 'Pipeline', 'Sweep', 'Spark'] as const;
/** The run types Azure ML reports in run events for each job type. */
const RUN_TYPES: Readonly<Record<string, string | null>> = { Command: 'azureml.scriptrun', Pipeline: 'azureml.PipelineRun', Sweep: 'hyperdrive', AutoML: 'automl', Spark: null };

/**
 * Jobs, so tests and users can seed runs: PUT stores what is sent. Like the workspace's system topic, a PUT that
 * changes a job's status publishes `RunStatusChanged` with the new `runStatus` — on every change, not only on
 * failure (MicrosoftDocs/azure-docs `articles/event-grid/event-schema-machine-learning.md`: "Raised when a run
 * status changes"; azure-docs PR #92586) — and one that reaches `Completed` also publishes `RunCompleted`.
 */
export function mount(router: Router, services: ArmServices): void {
  const { state, context, operationTimers } = services;

  /** `RunStatusChanged` for the job's current status (and `RunCompleted` when it completed), as the system topic raises them. */
  const publishStatus = (workspaceId: string, job: ArmResource): void => {
    const status = String(job.properties['status']);
    const experimentName = typeof job.properties['experimentName'] === 'string' ? job.properties['experimentName'] : 'Default';
    const experimentId = experimentIdOf(workspaceId, experimentName);
    const jobType = String(job.properties['jobType']);
    const runData = {
      experimentId,
      experimentName,
      runId: job.name,
      runType: RUN_TYPES[jobType] ?? null,
      runTags: isRecord(job.properties['tags']) ? job.properties['tags'] : {},
      runProperties: isRecord(job.properties['properties']) ? job.properties['properties'] : {},
    };
    const subject = `experiments/${experimentId}/runs/${job.name}`;
    context.publishEvent(workspaceEvent(workspaceId, 'Microsoft.MachineLearningServices.RunStatusChanged', subject, { ...runData, runStatus: status }, context.now()));
    if (status === 'Completed') context.publishEvent(workspaceEvent(workspaceId, 'Microsoft.MachineLearningServices.RunCompleted', subject, runData, context.now()));
  };

  /** Pending Jobs_Cancel operations: operation id → job id and polls left. */
  const cancels = new Map<string, { readonly workspaceId: string; readonly jobId: string; pollsRemaining: number; done: boolean }>();

  const finishCancel = (operationId: string): void => {
    const pending = cancels.get(operationId);
    if (pending === undefined || pending.done) return;
    pending.done = true;
    operationTimers.cancel(operationId);
    const job = state.get(pending.jobId);
    if (job === undefined || String(job.properties['status']) !== 'CancelRequested') return;
    const canceled = state.put({ ...job, properties: { ...job.properties, status: 'Canceled' } });
    publishStatus(pending.workspaceId, canceled);
  };

  router.add(
    'GET',
    JOBS,
    armHandler((request) => {
      const workspace = requireWorkspace(state, request.params);
      const jobType = request.query.get('jobType');
      const jobs = state.children(workspace.id, JOB_TYPE).filter((job) => !jobType || String(job.properties['jobType']).toLowerCase() === jobType.toLowerCase());
      return listPage(jobs, request, context.baseUrl, services.pageSize, toArmBody);
    }),
  );

  router.add(
    'GET',
    JOB,
    armHandler((request) => {
      const workspace = requireWorkspace(state, request.params);
      const name = request.params['id'] ?? '';
      const job = state.get(`${workspace.id}/jobs/${name}`);
      if (!job) return refuse(404, 'UserError', `Could not find job '${name}' in workspace '${workspace.name}'.`);
      return { status: 200, body: toArmBody(job) };
    }),
  );

  router.add(
    'PUT',
    JOB,
    armHandler((request) => {
      const workspace = requireWorkspace(state, request.params);
      const body = readJsonObject(request.body);
      const properties = readOptionalObject(body['properties'], 'properties');
      if (!properties) return badRequest('properties', 'is required.');
      const jobType = properties['jobType'];
      if (typeof jobType !== 'string' || jobType === '') return badRequest('properties.jobType', 'is required.');
      const canonical = JOB_TYPES.find((known) => known.toLowerCase() === jobType.toLowerCase());
      if (!canonical) return badRequest('properties.jobType', `has an unknown value '${jobType}'; expected one of ${JOB_TYPES.join(', ')}.`);
      const name = request.params['id'] ?? '';
      const existing = state.get(`${workspace.id}/jobs/${name}`);
      const experimentName = typeof properties['experimentName'] === 'string' ? properties['experimentName'] : 'Default';
      const job = state.put({
        id: existing?.id ?? `${workspace.id}/jobs/${name}`,
        name: existing?.name ?? name,
        type: JOB_TYPE,
        tags: {},
        extra: {},
        properties: { tags: {}, properties: {}, displayName: name, status: 'NotStarted', isArchived: false, ...properties, jobType: canonical, experimentName },
        systemData: systemDataFor(request.principal, context.now(), existing?.systemData),
      });
      const status = String(job.properties['status']);
      const previousStatus = existing === undefined ? undefined : String(existing.properties['status']);
      if (status !== previousStatus) publishStatus(workspace.id, job);
      return { status: existing ? 200 : 201, body: toArmBody(job) };
    }),
  );

  /**
   * Jobs_Cancel (azure-rest-api-specs `stable/2024-04-01/mfe.json`, `POST …/jobs/{id}/cancel`): `202 Accepted` with
   * `Location` and `Retry-After`, `x-ms-long-running-operation` with `final-state-via: location`, `200` when done. The
   * job moves to `CancelRequested` at once and to `Canceled` when the operation completes (mfe.json `JobStatus`:
   * "Following cancellation request, the job is now successfully canceled"); each change raises `RunStatusChanged`.
   * A job that already finished answers 200 and stays as it is.
   */
  router.add(
    'POST',
    `${JOB}/cancel`,
    armHandler((request) => {
      const workspace = requireWorkspace(state, request.params);
      const name = request.params['id'] ?? '';
      const job = state.get(`${workspace.id}/jobs/${name}`);
      if (!job) return refuse(404, 'UserError', `Could not find job '${name}' in workspace '${workspace.name}'.`);
      const status = String(job.properties['status']);
      if (FINISHED.has(status.toLowerCase())) return { status: 200 };
      if (status !== 'CancelRequested') publishStatus(workspace.id, state.put({ ...job, properties: { ...job.properties, status: 'CancelRequested' } }));
      const operationId = randomUUID();
      cancels.set(operationId, { workspaceId: workspace.id, jobId: job.id, pollsRemaining: services.lroPolls, done: false });
      if (services.lroPolls <= 0) finishCancel(operationId);
      else operationTimers.schedule(operationId, services.lroCompleteAfterMs, () => finishCancel(operationId));
      const location = encodeURIComponent(workspace.location ?? 'eastus');
      const query = `api-version=${encodeURIComponent(request.query.get('api-version') ?? '')}`;
      return {
        status: 202,
        headers: {
          Location: `${context.baseUrl}/subscriptions/${encodeURIComponent(request.params['subscriptionId'] ?? '')}/providers/Microsoft.MachineLearningServices/locations/${location}/mfeOperationResults/${operationId}?${query}`,
          'Retry-After': '0',
        },
      };
    }),
  );

  router.add(
    'GET',
    CANCEL_RESULTS,
    armHandler((request) => {
      const operationId = request.params['operationId'] ?? '';
      const pending = cancels.get(operationId);
      if (pending === undefined) return refuse(404, 'NotFound', `The operation '${operationId}' was not found.`);
      if (!pending.done) {
        pending.pollsRemaining -= 1;
        if (pending.pollsRemaining <= 0) finishCancel(operationId);
      }
      if (!pending.done) return { status: 202, headers: { Location: `${context.baseUrl}${request.path}?${request.query.toString()}`, 'Retry-After': '0' } };
      return { status: 200 };
    }),
  );
}
