/**
 * Every ARM request the app sends and every answer the emulator gives, checked against Microsoft's REST spec for
 * Microsoft.MachineLearningServices (`test/helpers/armSpec.ts`). The app runs its real flows — governance on
 * events, the sweep, compute-request provisioning through the SDK, model CD reads — against the emulator, which
 * hands each exchange to the checker.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArmExchange } from '../../../dev/emulator/server.js';
import { AmlRecords } from '../../../src/adapters/arm/amlRecords.js';
import { createComputeGateway } from '../../../src/adapters/arm/computeGateway.js';
import { createQuotaReader } from '../../../src/adapters/arm/quotaReader.js';
import { enforceResource } from '../../../src/governance/enforceResource.js';
import { parseResourceReference } from '../../../src/events/resourceReference.js';
import { parseWorkspace } from '../../../src/policy/resources.js';
import { ArmSpec, type SpecVerdict } from '../../helpers/armSpec.js';
import { request } from '../../helpers/emulatorServices.js';
import { sweepInThisProcess } from '../../helpers/sweepDriver.js';
import { RG, SUB, WORKSPACE_ID, WS, computeIdOf, quietLog, startGovernanceKit, writeEventFor, type GovernanceKit } from '../../helpers/governanceKit.js';

/** Operations the vendored spec does not hold, and where their shapes are specified instead. */
const NOT_IN_THE_VENDORED_SPEC: readonly { readonly pattern: RegExp; readonly specifiedIn: string }[] = [
  { pattern: /^GET \/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.MachineLearningServices\/workspaces\/[^/]+\/jobs(\/[^/?]+)?\?/i, specifiedIn: 'mfe.json (Jobs_List, Jobs_Get)' },
  { pattern: /^PUT \/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.MachineLearningServices\/workspaces\/[^/]+\/jobs\/[^/?]+\?/i, specifiedIn: 'mfe.json (Jobs_CreateOrUpdate)' },
  { pattern: /\/workspaces\/[^/]+\/models\/[^/]+\/versions\/[^/?]+\?/i, specifiedIn: 'mfe.json (ModelVersions_Get, ModelVersions_CreateOrUpdate)' },
  { pattern: /\/providers\/Microsoft\.Resources\/tags\/default\?/i, specifiedIn: 'Microsoft.Resources tags.json (Tags_GetAtScope, Tags_UpdateAtScope)' },
  { pattern: /^POST \/providers\/Microsoft\.ResourceGraph\/resources\?/i, specifiedIn: 'Microsoft.ResourceGraph resourcegraph.json (Resources)' },
  { pattern: /^GET \/subscriptions\/[^/?]+\?/i, specifiedIn: 'Microsoft.Resources subscriptions.json (Subscriptions_Get)' },
  { pattern: /\/providers\/Microsoft\.MachineLearningServices\/locations\/[^/]+\/computeOperations(Status|Result)\//i, specifiedIn: 'none: the Azure-AsyncOperation and Location URLs a long-running operation names' },
  { pattern: /\/workspaces\/[^/]+\/onlineEndpoints(\/[^/?]+(\/deployments(\/[^/?]+)?)?)?\?/i, specifiedIn: 'mfe.json (OnlineEndpoints_List/Get/CreateOrUpdate/Update, OnlineDeployments_List/Get/CreateOrUpdate/Update/Delete)' },
  { pattern: /\/providers\/Microsoft\.MachineLearningServices\/locations\/[^/]+\/onlineOperations(Status|Results)\//i, specifiedIn: 'none: the Azure-AsyncOperation and Location URLs a long-running operation names' },
  { pattern: /^POST \/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.MachineLearningServices\/workspaces\/[^/]+\/jobs\/[^/?]+\/cancel\?/i, specifiedIn: 'mfe.json (Jobs_Cancel)' },
  { pattern: /\/providers\/Microsoft\.MachineLearningServices\/locations\/[^/]+\/mfeOperationResults\//i, specifiedIn: 'none: the Location URL Jobs_Cancel names (final-state-via: location)' },
  { pattern: /^POST [^?]+\/computes\/[^/]+\/updateIdleShutdownSetting\?/i, specifiedIn: 'preview specs (Compute_UpdateIdleShutdownSetting) and stable 2025-12-01 examples' },
];

const exchanges: ArmExchange[] = [];
let kit: GovernanceKit;
let spec: ArmSpec;
let verdicts: SpecVerdict[];

async function arm(method: string, path: string, apiVersion: string, body?: unknown): Promise<number> {
  const services = kit.app();
  const token = await services.adapters.credential.getToken('https://management.azure.com/.default');
  const response = await request(`${kit.emulator.url}${path}?api-version=${apiVersion}`, {
    method,
    headers: { authorization: `Bearer ${token?.token ?? ''}` },
    ...(body === undefined ? {} : { body }),
    ca: kit.emulator.caPem,
  });
  return response.status;
}

beforeAll(async () => {
  [kit, spec] = await Promise.all([startGovernanceKit({ onArmExchange: (exchange) => exchanges.push(exchange) }), ArmSpec.load()]);
  const services = kit.app();
  const context = { log: quietLog, dryRun: false };
  const tags = { owner: 'mlops-team@contoso.com', 'cost-center': 'cc-1234', environment: 'dev' };

  // Governance on events: a cluster's scale settings (Compute_Update), an instance's idle shutdown, a workspace's tags.
  const cluster = computeIdOf('conformance-cluster');
  await arm('PUT', cluster, '2024-04-01', {
    location: 'eastus',
    tags,
    properties: { computeType: 'AmlCompute', properties: { vmSize: 'Standard_DS3_v2', remoteLoginPortPublicAccess: 'Disabled', scaleSettings: { minNodeCount: 2, maxNodeCount: 4, nodeIdleTimeBeforeScaleDown: 'PT2H' } } },
  });
  await enforceResource(services.governance, writeEventFor(cluster), context);
  const instance = computeIdOf('conformance-instance');
  await arm('PUT', instance, '2025-12-01', { location: 'eastus', tags, properties: { computeType: 'ComputeInstance', properties: { vmSize: 'Standard_DS3_v2', idleTimeBeforeShutdown: 'PT4H' } } });
  await enforceResource(services.governance, writeEventFor(instance), context);
  await enforceResource(services.governance, writeEventFor(computeIdOf('no-such-compute')), context);
  await arm('PUT', `${WORKSPACE_ID}/providers/Microsoft.Resources/tags/default`, '2021-04-01', { properties: { tags: { owner: tags.owner, environment: 'dev' } } });
  await arm('PUT', `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Resources/tags/default`, '2021-04-01', { properties: { tags: { 'cost-center': 'cc-rg' } } });
  await enforceResource(services.governance, writeEventFor(WORKSPACE_ID), context);

  // The sweep: Resource Graph, each workspace's computes, the jobs behind a disruptive fix.
  await sweepInThisProcess(services.sweep, quietLog, { notify: false });

  // Compute on approval: the SDK's create-or-update, followed to the end.
  const gateway = createComputeGateway(services.adapters.arm);
  const workspace = await gateway.readWorkspace(WORKSPACE_ID);
  if (workspace === undefined) throw new Error('the playground workspace is missing');
  expect(await gateway.findCompute(WORKSPACE_ID, 'conformance-requested')).toBeUndefined();
  const created = await gateway.beginCreate(parseWorkspace(await (await services.adapters.arm(SUB)).workspaces.get(RG, WS)), 'conformance-requested', {
    location: 'eastus',
    tags: tags,
    properties: { computeType: 'AmlCompute', properties: { vmSize: 'Standard_DS3_v2', vmPriority: 'Dedicated', scaleSettings: { minNodeCount: 0, maxNodeCount: 2, nodeIdleTimeBeforeScaleDown: 'PT30M' }, remoteLoginPortPublicAccess: 'Disabled' } },
  });
  if (created.kind === 'running' && created.operationState !== undefined) await gateway.track(WORKSPACE_ID, 'conformance-requested', created.operationState);

  // Model CD's reads: a model version, its job, the workspace.
  const reference = parseResourceReference(WORKSPACE_ID).workspace;
  if (reference === null) throw new Error('not a workspace id');
  await arm('PUT', `${WORKSPACE_ID}/jobs/conformance-job`, '2024-04-01', { properties: { jobType: 'Command', experimentName: 'retrain-conformance', status: 'Completed', command: 'python train.py', environmentId: 'azureml:env:1' } });
  await arm('PUT', `${WORKSPACE_ID}/models/conformance-model/versions/1`, '2024-04-01', { properties: { jobName: 'conformance-job', modelUri: 'azureml://jobs/conformance-job/outputs/artifacts/paths/model/' } });
  const records = new AmlRecords(services.adapters.arm);
  await records.modelVersion(reference, 'conformance-model', '1');
  await records.job(reference, 'conformance-job');
  await records.workspaceTags(reference);

  // Job governance: Jobs_Cancel on a running job, followed through its operation result.
  await arm('PUT', `${WORKSPACE_ID}/jobs/conformance-running`, '2024-04-01', { properties: { jobType: 'Command', status: 'Running', command: 'python train.py', environmentId: 'azureml:env:1', resources: { instanceType: 'Standard_NC24ads_A100_v4' } } });
  const jobs = services.governance.jobs?.jobs;
  if (jobs === undefined) throw new Error('job governance is not wired');
  await jobs.cancelJob(reference, 'conformance-running');

  // The sweep's quota reads (Usages_List, Quotas_List) through the SDK, paged by nextLink as the emulator pages them.
  await createQuotaReader(services.adapters.arm).read(SUB, 'eastus');

  verdicts = [];
  for (const exchange of exchanges) verdicts.push(await spec.check(exchange));
}, 120_000);

afterAll(async () => {
  await kit?.close();
});

describe('ARM traffic against the REST spec', () => {
  it('holds every request the app sent and every answer the emulator gave, for each operation the spec covers', () => {
    const problems = verdicts.filter((verdict) => verdict.covered && verdict.problems.length > 0).map((verdict) => `${verdict.call}\n  ${verdict.problems.join('\n  ')}`);
    expect(problems).toEqual([]);
  });

  it('covers the compute and workspace operations the app relies on', () => {
    const covered = verdicts.filter((verdict) => verdict.covered).map((verdict) => verdict.call.replace(/\?.*$/, ''));
    const computes = `${WORKSPACE_ID}/computes`;
    expect(covered).toEqual(
      expect.arrayContaining([
        `PATCH ${computes}/conformance-cluster`,
        `GET ${computes}/conformance-cluster`,
        `GET ${computes}/conformance-instance`,
        `GET ${computes}/no-such-compute`,
        `GET ${computes}`,
        `PUT ${computes}/conformance-requested`,
        `GET ${WORKSPACE_ID}`,
      ]),
    );
  });

  it('covers the quota reads the sweep relies on', () => {
    const covered = verdicts.filter((verdict) => verdict.covered).map((verdict) => verdict.call.replace(/\?.*$/, ''));
    const location = `GET /subscriptions/${SUB}/providers/Microsoft.MachineLearningServices/locations/eastus`;
    expect(covered).toEqual(expect.arrayContaining([`${location}/usages`, `${location}/quotas`]));
  });

  it('sends Jobs_Cancel and follows it to its operation result', () => {
    const calls = verdicts.map((verdict) => verdict.call.replace(/\?.*$/, ''));
    expect(calls).toContain(`POST ${WORKSPACE_ID}/jobs/conformance-running/cancel`);
    expect(calls.some((call) => /^GET \/subscriptions\/[^/]+\/providers\/Microsoft\.MachineLearningServices\/locations\/eastus\/mfeOperationResults\//.test(call))).toBe(true);
  });

  it('knows where each operation it cannot check is specified instead', () => {
    const unknown = verdicts.filter((verdict) => !verdict.covered && !NOT_IN_THE_VENDORED_SPEC.some((known) => known.pattern.test(verdict.call)));
    expect(unknown.map((verdict) => verdict.call)).toEqual([]);
  });

  it('refuses a compute answered without properties.computeType, and an update carrying tags', async () => {
    const answer = exchanges.find((exchange) => exchange.method === 'GET' && /\/computes\/conformance-cluster\?/.test(exchange.url) && exchange.status === 200);
    if (answer === undefined) throw new Error('no compute GET was recorded');
    const body = structuredClone(answer.responseBody) as { properties: Record<string, unknown> };
    delete body.properties['computeType'];
    const verdict = await spec.check({ ...answer, responseBody: body });
    expect(verdict.problems.join('\n')).toMatch(/properties\/computeType: OBJECT_MISSING_REQUIRED_PROPERTY/);

    const update = exchanges.find((exchange) => exchange.method === 'PATCH' && /\/computes\/conformance-cluster\?/.test(exchange.url));
    if (update === undefined) throw new Error('no compute update was recorded');
    const withTags = await spec.check({ ...update, requestBody: { ...(update.requestBody as object), tags: { owner: 'x' } } });
    expect(withTags.problems.join('\n')).toMatch(/request \/tags: OBJECT_ADDITIONAL_PROPERTIES/);
  });

  it('catches an emulator that answers a compute GET without properties.computeType', async () => {
    const start = exchanges.length;
    const compute = computeIdOf('cpu-cluster');
    kit.emulator.injectFault({
      method: 'GET',
      path: `${compute}$`,
      status: 200,
      body: { id: compute, name: 'cpu-cluster', type: 'Microsoft.MachineLearningServices/workspaces/computes', location: 'eastus', properties: { provisioningState: 'Succeeded' } },
    });
    const services = kit.app();
    await services.governance.arm.readCompute({ subscriptionId: SUB, resourceGroup: RG, workspaceName: WS }, 'cpu-cluster').catch(() => undefined);
    const faulty = exchanges.slice(start).find((exchange) => exchange.method === 'GET' && exchange.url.includes('/computes/cpu-cluster?'));
    if (faulty === undefined) throw new Error('the faulty answer was not recorded');
    expect((await spec.check(faulty)).problems.join('\n')).toContain('computeType');
  });
});
