import type { Router } from '../router.js';
import { JOB_TYPE } from '../state.js';
import { armHandler, badRequest, isRecord, readJsonObject, readOptionalObject, refuse } from './armErrors.js';
import type { ArmServices } from './armServices.js';
import { requireWorkspace } from './lookup.js';
import { listPage } from './paging.js';
import { experimentIdOf, workspaceEvent } from './resourceEvents.js';
import { systemDataFor, toArmBody } from './resourceView.js';

const JOBS = '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/{workspaceName}/jobs';
const JOB = `${JOBS}/{id}`;
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
  const { state, context } = services;

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
      if (status !== previousStatus) {
        const experimentId = experimentIdOf(workspace.id, experimentName);
        const runData = {
          experimentId,
          experimentName,
          runId: job.name,
          runType: RUN_TYPES[canonical] ?? null,
          runTags: isRecord(job.properties['tags']) ? job.properties['tags'] : {},
          runProperties: isRecord(job.properties['properties']) ? job.properties['properties'] : {},
        };
        const subject = `experiments/${experimentId}/runs/${job.name}`;
        context.publishEvent(workspaceEvent(workspace.id, 'Microsoft.MachineLearningServices.RunStatusChanged', subject, { ...runData, runStatus: status }, context.now()));
        if (status === 'Completed') context.publishEvent(workspaceEvent(workspace.id, 'Microsoft.MachineLearningServices.RunCompleted', subject, runData, context.now()));
      }
      return { status: existing ? 200 : 201, body: toArmBody(job) };
    }),
  );
}
