import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCdDecisions } from '../../src/adapters/tables/cdDecisions.js';
import { CD_LEDGER_TABLE, createOnceLedger } from '../../src/adapters/tables/onceLedger.js';
import { cdPolicyFingerprint } from '../../src/modelCd/onModelRegistered.js';
import { Webhook } from 'standardwebhooks';
import { cdLedgerKey, modelSubject, runKeyOf } from '../../src/modelCd/cdLedger.js';
import { routeEvent } from '../../src/eventIntake/routeEvent.js';
import { parseEvent } from '../../src/events/parseDelivery.js';
import { request } from '../helpers/emulatorServices.js';
import { modelRegisteredEvent, seedModelVersion, startEventsTestbed, WORKSPACE_ID, type EventsTestbed } from '../helpers/eventsTestbed.js';

const policy = (url: string): string => `
version: 1
scope:
  subscriptions: [11111111-1111-1111-1111-111111111111]
mode: audit
cd:
  targets:
    model-cd:
      kind: azureDevOps
      organizationUrl: ${url}/ado/contoso
      project: mlops
      pipelineId: 1
      auth: { kind: pat, secretName: ado-pat }
    model-cd-retired-pat:
      kind: azureDevOps
      organizationUrl: ${url}/ado/contoso
      project: mlops
      pipelineId: 1
      auth: { kind: pat, secretName: retired-ado-pat }
    model-cd-unkeyed:
      kind: azureDevOps
      organizationUrl: ${url}/ado/contoso
      project: mlops
      pipelineId: 7
      auth: { kind: pat, secretName: ado-pat }
    model-cd-undeclared:
      kind: azureDevOps
      organizationUrl: ${url}/ado/contoso
      project: mlops
      pipelineId: 8
      auth: { kind: pat, secretName: ado-pat }
    model-cd-identity:
      kind: azureDevOps
      organizationUrl: ${url}/ado/contoso
      project: mlops
      pipelineId: 1
      auth: { kind: managedIdentity }
    github-cd:
      kind: githubActions
      apiUrl: ${url}/github
      owner: contoso
      repo: mlops-cd
      workflow: model-cd.yml
      ref: main
      tokenSecretName: github-token
    github-untitled:
      kind: githubActions
      apiUrl: ${url}/github
      owner: contoso
      repo: mlops-cd
      workflow: untitled.yml
      ref: main
      tokenSecretName: github-token
    signed-hook:
      kind: webhook
      urlSecretName: generic-webhook-url
      signingSecretName: cd-webhook-signing-key
  rules:
    - name: retrained-churn
      target: model-cd
      models: ['churn-*']
      experiments: ['retrain*']
      modelTags: { retrained: 'true' }
      match: any
    - name: retired-pat
      target: model-cd-retired-pat
      models: ['retired-*']
      experiments: ['retrain*']
    - name: unkeyed
      target: model-cd-unkeyed
      models: ['unkeyed-*']
      experiments: ['retrain*']
    - name: undeclared
      target: model-cd-undeclared
      models: ['undeclared-*']
      experiments: ['retrain*']
    - name: identity
      target: model-cd-identity
      models: ['identity-*']
      experiments: ['retrain*']
    - name: github
      target: github-cd
      models: ['gh-*']
      experiments: ['retrain*']
    - name: github-untitled
      target: github-untitled
      models: ['ghu-*']
      experiments: ['retrain*']
    - name: hook
      target: signed-hook
      models: ['hook-*']
      experiments: ['retrain*']
notifications:
  channels:
    teams: { kind: teams, urlSecretName: teams-webhook-url }
  cd: { channel: teams }
`;

let bed: EventsTestbed;

beforeAll(async () => {
  bed = await startEventsTestbed({ policy, host: true });
});

afterAll(async () => {
  await bed?.close();
});

beforeEach(() => {
  bed.emulator.clearFaults();
});

/** ARM reads of one model version (and of the jobs behind it) the emulator served since its call log was reset. */
function armReadsOf(modelName: string): number {
  return bed.emulator.calls().filter((call) => call.method === 'GET' && call.path.startsWith('/subscriptions/') && call.path.includes(modelName)).length;
}

async function runsFor(modelName: string): Promise<Record<string, string>[]> {
  return (await bed.adoRuns(1)).map((run) => run.templateParameters).filter((parameters) => parameters['modelName'] === modelName);
}

describe('ModelRegistered → model CD through amlEvents', () => {
  it('a version registered by a retraining pipeline step starts one Azure DevOps run carrying its name and version', async () => {
    const model = await seedModelVersion(await bed.arm(), { name: 'churn-a', version: '3', experiment: 'retrain-churn-weekly', pipeline: true });
    expect(await bed.deliver([modelRegisteredEvent('mr-churn-a-3', model)])).toBe(200);

    const runs = await runsFor('churn-a');
    expect(runs).toEqual([{ modelName: 'churn-a', modelVersion: '3', workspaceId: WORKSPACE_ID, idempotencyKey: runKeyOf({ workspaceId: WORKSPACE_ID, subject: modelSubject('churn-a', '3'), target: 'model-cd' }) }]);
    const triggered = bed.telemetryEvents('CdTriggered').find((item) => item.properties['eventId'] === 'mr-churn-a-3');
    expect(triggered?.properties).toMatchObject({ target: 'model-cd', modelName: 'churn-a', modelVersion: '3' });
    expect(triggered?.properties['runId']).toMatch(/^\d+$/);
    expect(triggered?.properties['link']).toContain('/_build/results?buildId=');
  });

  it('a redelivery, five concurrent deliveries and a second event for the same version start no second run', async () => {
    const model = await seedModelVersion(await bed.arm(), { name: 'churn-b', version: '7', experiment: 'retrain-churn', pipeline: false });
    const event = modelRegisteredEvent('mr-churn-b-7', model);
    expect(await bed.deliver([event])).toBe(200);
    expect(await bed.deliver([event])).toBe(200);
    const concurrent = await Promise.all(
      Array.from({ length: 5 }, (_, index) => bed.deliver([index % 2 === 0 ? event : modelRegisteredEvent('mr-churn-b-7', model, 'camel')])),
    );
    expect(concurrent).toEqual([200, 200, 200, 200, 200]);
    expect(await bed.deliver([modelRegisteredEvent('mr-churn-b-7-other-topic', model, 'camel')])).toBe(200);

    expect(await runsFor('churn-b')).toHaveLength(1);
    const skips = bed.telemetryEvents('CdSkipped').filter((item) => item.properties['modelName'] === 'churn-b');
    expect(skips.length).toBeGreaterThanOrEqual(7);
    expect(skips.every((item) => /already started|being started by another delivery/.test(item.properties['reason'] ?? ''))).toBe(true);
  });

  it('a version from a non-retraining experiment starts nothing and the skip reason is logged and tracked', async () => {
    const model = await seedModelVersion(await bed.arm(), { name: 'churn-c', version: '1', experiment: 'notebook-exploration' });
    expect(await bed.deliver([modelRegisteredEvent('mr-churn-c-1', model)])).toBe(200);

    expect(await runsFor('churn-c')).toEqual([]);
    const skip = bed.telemetryEvents('CdSkipped').find((item) => item.properties['eventId'] === 'mr-churn-c-1');
    expect(skip?.properties['reason']).toContain("experiment 'notebook-exploration' matches none of retrain*");
    expect(skip?.properties['reason']).toContain('model tag retrained is absent');
    expect(bed.hostLog.some((line) => line.includes('ModelRegistered mr-churn-c-1 model=churn-c:1 → CD skipped: ') && line.includes('notebook-exploration'))).toBe(true);
  });

  it('a version tagged retrained=true in ARM starts a run whatever its experiment', async () => {
    const model = await seedModelVersion(await bed.arm(), { name: 'churn-d', version: '2', experiment: 'manual', tags: { retrained: 'true' } });
    expect(await bed.deliver([modelRegisteredEvent('mr-churn-d-2', model)])).toBe(200);
    expect(await runsFor('churn-d')).toHaveLength(1);
  });

  it('an event for a version ARM does not know starts nothing, whatever its payload claims', async () => {
    const event = modelRegisteredEvent('mr-ghost', { name: 'churn-ghost', version: '1' });
    expect(await bed.deliver([event])).toBe(200);
    expect(await runsFor('churn-ghost')).toEqual([]);
    const skip = bed.telemetryEvents('CdSkipped').find((item) => item.properties['eventId'] === 'mr-ghost');
    expect(skip?.properties['reason']).toContain('does not exist');
  });

  it('Azure DevOps answering 503 fails the delivery, and the redelivery starts exactly one run', async () => {
    const model = await seedModelVersion(await bed.arm(), { name: 'churn-e', version: '4', experiment: 'retrain-e' });
    bed.emulator.injectFault({ method: 'POST', path: '^/ado/contoso/mlops/_apis/pipelines/1/runs$', status: 503, times: 1 });
    const event = modelRegisteredEvent('mr-churn-e-4', model);

    expect(await bed.deliver([event])).toBe(500);
    expect(await runsFor('churn-e')).toEqual([]);
    const failure = bed.telemetryEvents('CdFailed').find((item) => item.properties['eventId'] === 'mr-churn-e-4');
    expect(failure?.properties).toMatchObject({ retry: 'true' });

    expect(await bed.deliver([event])).toBe(200);
    expect(await bed.deliver([event])).toBe(200);
    expect(await runsFor('churn-e')).toHaveLength(1);
    const triggered = bed.telemetryEvents('CdTriggered').find((item) => item.properties['eventId'] === 'mr-churn-e-4');
    expect(triggered?.properties['attempt']).toBe('2');
  });

  it('Azure DevOps answering 400 is recorded, notified on the CD channel once and never retried', async () => {
    const model = await seedModelVersion(await bed.arm(), { name: 'churn-f', version: '5', experiment: 'retrain-f' });
    bed.emulator.injectFault({
      method: 'POST',
      path: '^/ado/contoso/mlops/_apis/pipelines/1/runs$',
      status: 400,
      times: 1,
      body: { message: "Unexpected parameter 'modelVersion'", typeKey: 'PipelineValidationException' },
    });
    const before = (await bed.sink('teams')).length;
    const event = modelRegisteredEvent('mr-churn-f-5', model);

    expect(await bed.deliver([event])).toBe(200);
    expect(await bed.deliver([event])).toBe(200);

    expect(await runsFor('churn-f')).toEqual([]);
    const notices = (await bed.sink('teams')).slice(before);
    expect(notices).toHaveLength(1);
    const card = JSON.stringify(notices[0]?.body);
    expect(card).toContain('churn-f:5');
    expect(card).toContain("Unexpected parameter 'modelVersion'");
    const failures = bed.telemetryEvents('CdFailed').filter((item) => item.properties['eventId'] === 'mr-churn-f-5');
    expect(failures).toHaveLength(1);
    expect(failures[0]?.properties).toMatchObject({ retry: 'false', code: 'UpstreamPermanent' });
    const skip = bed.telemetryEvents('CdSkipped').find((item) => item.properties['eventId'] === 'mr-churn-f-5');
    expect(skip?.properties['reason']).toContain('failed permanently');
  });

  it('Azure DevOps answering a wrong PAT with its 203 sign-in page is a permanent failure naming the secret to check', async () => {
    const model = await seedModelVersion(await bed.arm(), { name: 'churn-pat', version: '1', experiment: 'retrain-pat' });
    const before = (await bed.sink('teams')).length;
    // A service that answers the sign-in page although the app asked for a 401 is refused the same way.
    bed.emulator.injectFault({ method: 'POST', path: '^/ado/contoso/mlops/_apis/pipelines/1/runs$', status: 203, headers: { 'content-type': 'text/html; charset=utf-8' }, body: '<html><title>Azure DevOps Services | Sign In</title></html>' });
    expect(await bed.deliver([modelRegisteredEvent('mr-churn-pat-1', model)])).toBe(200);

    expect(await runsFor('churn-pat')).toEqual([]);
    const failure = bed.telemetryEvents('CdFailed').find((item) => item.properties['eventId'] === 'mr-churn-pat-1');
    expect(failure?.properties).toMatchObject({ retry: 'false', code: 'UpstreamPermanent' });
    expect(failure?.properties['reason']).toContain('did not accept the credentials (it answered 203 with a sign-in page)');
    expect(failure?.properties['reason']).toContain("Key Vault secret 'ado-pat'");
    const notices = (await bed.sink('teams')).slice(before);
    expect(JSON.stringify(notices[0]?.body)).toContain("'ado-pat'");
  });

  it('a PAT Azure DevOps no longer accepts is a 401, as the app asks it to suppress its sign-in page, naming the secret', async () => {
    bed.emulator.vault.set('retired-ado-pat', 'a-pat-that-was-revoked');
    const model = await seedModelVersion(await bed.arm(), { name: 'retired-a', version: '1', experiment: 'retrain-pat' });
    expect(await bed.deliver([modelRegisteredEvent('mr-retired-a-1', model)])).toBe(200);

    const failure = bed.telemetryEvents('CdFailed').find((item) => item.properties['eventId'] === 'mr-retired-a-1');
    expect(failure?.properties['reason']).toContain('did not accept the credentials (it answered 401)');
    expect(failure?.properties['reason']).toContain("Key Vault secret 'retired-ado-pat'");
    const call = bed.emulator.calls().find((item) => item.method === 'POST' && item.path.endsWith('/pipelines/1/runs') && item.status === 401);
    expect(call).toBeDefined();
  });

  it("a target using the app's identity authenticates to Azure DevOps with a bearer token", async () => {
    const model = await seedModelVersion(await bed.arm(), { name: 'identity-a', version: '1', experiment: 'retrain-identity' });
    expect(await bed.deliver([modelRegisteredEvent('mr-identity-a-1', model)])).toBe(200);
    const runs = bed.emulator.devops.runs({ pipelineId: 1 }).filter((run) => run.templateParameters['modelName'] === 'identity-a');
    expect(runs).toHaveLength(1);
    expect(runs[0]?.requestedBy).not.toBe('pat');
  });

  it('a GitHub Actions target dispatches the workflow with the model as inputs', async () => {
    const model = await seedModelVersion(await bed.arm(), { name: 'gh-a', version: '12', experiment: 'retrain-gh' });
    expect(await bed.deliver([modelRegisteredEvent('mr-gh-a-12', model)])).toBe(200);
    expect(await bed.deliver([modelRegisteredEvent('mr-gh-a-12', model)])).toBe(200);

    const response = await request(`${bed.emulator.url}/github/repos/contoso/mlops-cd/actions/runs`, {
      ca: bed.emulator.caPem,
      headers: { authorization: 'Bearer ghp_playgroundGitHubToken' },
    });
    const runs = response.json<{ workflow_runs: { id: number; display_title: string; inputs: Record<string, string>; head_branch: string }[] }>().workflow_runs;
    const mine = runs.filter((run) => run.inputs['model_name'] === 'gh-a');
    const key = runKeyOf({ workspaceId: WORKSPACE_ID, subject: modelSubject('gh-a', '12'), target: 'github-cd' });
    expect(mine).toEqual([expect.objectContaining({ head_branch: 'main', inputs: { model_name: 'gh-a', model_version: '12', workspace_id: WORKSPACE_ID, idempotency_key: key } })]);
    expect(mine[0]?.display_title).toBe(`Model CD gh-a:12 [${key}]`);
    // Asked with return_run_details, GitHub names the run: the ledger records its id and page.
    const triggered = bed.telemetryEvents('CdTriggered').find((item) => item.properties['eventId'] === 'mr-gh-a-12');
    const runId = String(mine[0]?.id);
    expect(triggered?.properties).toMatchObject({ runId, link: `https://github.com/contoso/mlops-cd/actions/runs/${runId}` });
  });

  it('a signed webhook target receives the model signed per Standard Webhooks, its webhook-id the idempotency key', async () => {
    const model = await seedModelVersion(await bed.arm(), { name: 'hook-a', version: '9', experiment: 'retrain-hook' });
    expect(await bed.deliver([modelRegisteredEvent('mr-hook-a-9', model)])).toBe(200);

    const deliveries = (await bed.sink('generic')).filter((delivery) => JSON.stringify(delivery.body).includes('hook-a'));
    expect(deliveries).toHaveLength(1);
    const delivery = deliveries[0];
    const body = JSON.stringify(delivery?.body);
    const secret = bed.emulator.vault.currentValue('cd-webhook-signing-key') ?? '';
    // What a receiver does: verify with the shared secret; the library refuses a wrong signature or an old timestamp.
    expect(new Webhook(secret).verify(body, delivery?.headers ?? {})).toMatchObject({ eventId: 'mr-hook-a-9', parameters: { modelName: 'hook-a', modelVersion: '9', workspaceId: WORKSPACE_ID } });
    expect(delivery?.headers['webhook-id']).toBe(runKeyOf({ workspaceId: WORKSPACE_ID, subject: modelSubject('hook-a', '9'), target: 'signed-hook' }));
    expect(() => new Webhook(`whsec_${Buffer.from('not-the-secret').toString('base64')}`).verify(body, delivery?.headers ?? {})).toThrow();
  });

});

describe('exactly one run at the target after an ambiguous failure', () => {
  const runsPath = '^/ado/contoso/mlops/_apis/pipelines/1/runs$';
  const keyOf = (model: string, version: string, target = 'model-cd') => runKeyOf({ workspaceId: WORKSPACE_ID, subject: modelSubject(model, version), target });

  it('Azure DevOps accepting the run and then answering 502: the redelivery finds the run by its key and starts none', async () => {
    const model = await seedModelVersion(await bed.arm(), { name: 'churn-lost-502', version: '1', experiment: 'retrain-lost' });
    const event = modelRegisteredEvent('mr-churn-lost-502-1', model);
    bed.emulator.injectFault({ kind: 'accept-then-status', method: 'POST', path: runsPath, status: 502 });

    expect(await bed.deliver([event])).toBe(500);
    expect(await runsFor('churn-lost-502')).toHaveLength(1);
    expect(await bed.deliver([event])).toBe(200);
    expect(await bed.deliver([event])).toBe(200);

    const runs = await runsFor('churn-lost-502');
    expect(runs).toHaveLength(1);
    const recovered = bed.telemetryEvents('CdTriggered').find((item) => item.properties['eventId'] === 'mr-churn-lost-502-1');
    expect(recovered?.properties).toMatchObject({ recovered: 'true', attempt: '2' });
    expect(bed.emulator.calls().some((call) => call.path === '/ado/contoso/mlops/_apis/build/builds' && call.query.includes(`buildNumber=${keyOf('churn-lost-502', '1')}`))).toBe(true);
  });

  it('Azure DevOps accepting the run and then not answering until the call times out: one run', async () => {
    const model = await seedModelVersion(await bed.arm(), { name: 'churn-lost-timeout', version: '1', experiment: 'retrain-lost' });
    const event = modelRegisteredEvent('mr-churn-lost-timeout-1', model);
    bed.emulator.injectFault({ kind: 'accept-then-hang', method: 'POST', path: runsPath });

    expect(await bed.deliver([event])).toBe(500);
    expect(await bed.deliver([event])).toBe(200);

    expect(await runsFor('churn-lost-timeout')).toHaveLength(1);
  }, 20_000);

  it('Azure DevOps accepting the run and then dropping the connection: one run', async () => {
    const model = await seedModelVersion(await bed.arm(), { name: 'churn-lost-reset', version: '1', experiment: 'retrain-lost' });
    const event = modelRegisteredEvent('mr-churn-lost-reset-1', model);
    bed.emulator.injectFault({ kind: 'accept-then-reset', method: 'POST', path: runsPath });

    expect(await bed.deliver([event])).toBe(500);
    expect(await bed.deliver([event])).toBe(200);

    expect(await runsFor('churn-lost-reset')).toHaveLength(1);
  });

  it('a holder that crashed between starting the run and recording it: the delivery that takes over finds that run', async () => {
    const model = await seedModelVersion(await bed.arm(), { name: 'churn-crashed', version: '1', experiment: 'retrain-crash' });
    // The crashed holder: it claimed the version ten minutes ago (its lease is gone) and started the run, then died.
    const keys = cdLedgerKey({ workspaceId: WORKSPACE_ID, subject: modelSubject('churn-crashed', '1'), target: 'model-cd' });
    const longAgo = new Date(Date.now() - 10 * 60_000);
    expect(await createOnceLedger(bed.app.adapters.state, CD_LEDGER_TABLE, { now: () => longAgo }).claim(keys, 'mr-crashed-holder')).toMatchObject({ kind: 'claimed' });
    const started = await request(`${bed.emulator.url}/ado/contoso/mlops/_apis/pipelines/1/runs?api-version=7.1`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(':playground-ado-pat').toString('base64')}` },
      body: { templateParameters: { modelName: 'churn-crashed', modelVersion: '1', workspaceId: WORKSPACE_ID, idempotencyKey: keyOf('churn-crashed', '1') } },
      ca: bed.emulator.caPem,
    });
    expect(started.status).toBe(200);

    expect(await bed.deliver([modelRegisteredEvent('mr-churn-crashed-1', model)])).toBe(200);

    const runs = await runsFor('churn-crashed');
    expect(runs).toHaveLength(1);
    const ledger = await createOnceLedger(bed.app.adapters.state, CD_LEDGER_TABLE).settled(keys);
    expect(ledger).toMatchObject({ kind: 'done', result: { runId: String(started.json<{ id: number }>().id) } });
  });

  it('GitHub accepting the dispatch and then answering 502: the redelivery finds the run by its title and dispatches none', async () => {
    const model = await seedModelVersion(await bed.arm(), { name: 'gh-lost', version: '4', experiment: 'retrain-gh' });
    const event = modelRegisteredEvent('mr-gh-lost-4', model);
    bed.emulator.injectFault({ kind: 'accept-then-status', method: 'POST', path: '/actions/workflows/model-cd.yml/dispatches$', status: 502 });

    expect(await bed.deliver([event])).toBe(500);
    expect(await bed.deliver([event])).toBe(200);

    const runs = bed.emulator.github.runs().filter((run) => run.inputs['model_name'] === 'gh-lost');
    expect(runs).toHaveLength(1);
    const triggered = bed.telemetryEvents('CdTriggered').find((item) => item.properties['eventId'] === 'mr-gh-lost-4');
    expect(triggered?.properties).toMatchObject({ recovered: 'true', runId: String(runs[0]?.id) });
  });

  it('a webhook whose answer was lost gets the same request again under the same webhook-id, for its receiver to drop', async () => {
    const model = await seedModelVersion(await bed.arm(), { name: 'hook-lost', version: '2', experiment: 'retrain-hook' });
    const event = modelRegisteredEvent('mr-hook-lost-2', model);
    bed.emulator.injectFault({ kind: 'accept-then-reset', method: 'POST', path: '^/sink/generic$' });

    expect(await bed.deliver([event])).toBe(500);
    expect(await bed.deliver([event])).toBe(200);

    const deliveries = (await bed.sink('generic')).filter((delivery) => JSON.stringify(delivery.body).includes('hook-lost'));
    expect(deliveries).toHaveLength(2);
    expect(new Set(deliveries.map((delivery) => delivery.headers['webhook-id']))).toEqual(new Set([keyOf('hook-lost', '2', 'signed-hook')]));
  });

  it('a pipeline whose run name lacks the key is run, with a warning that a lost answer could not be recovered', async () => {
    bed.emulator.devops.addPipeline({
      organization: 'contoso',
      project: 'mlops',
      id: 7,
      name: 'model-cd-unkeyed',
      folder: '\\',
      revision: 1,
      // The key is declared, as Azure DevOps requires of every parameter a run is given, but the run name does not use it.
      parameters: [{ name: 'modelName' }, { name: 'modelVersion' }, { name: 'workspaceId' }, { name: 'idempotencyKey' }],
    });
    const model = await seedModelVersion(await bed.arm(), { name: 'unkeyed-a', version: '1', experiment: 'retrain-unkeyed' });
    expect(await bed.deliver([modelRegisteredEvent('mr-unkeyed-a-1', model)])).toBe(200);
    expect(bed.emulator.devops.runs({ pipelineId: 7 })).toHaveLength(1);
    expect(bed.telemetryEvents('CdRunNotFindable').find((item) => item.properties['eventId'] === 'mr-unkeyed-a-1')).toBeDefined();
  });
});

describe('a workflow whose run title does not show the key', () => {
  it('is dispatched, with a warning naming the run-name to set', async () => {
    bed.emulator.github.addWorkflow({
      owner: 'contoso',
      repo: 'mlops-cd',
      id: 161399,
      file: 'untitled.yml',
      name: 'Model CD (untitled runs)',
      inputs: ['model_name', 'model_version', 'workspace_id', 'idempotency_key'],
    });
    const model = await seedModelVersion(await bed.arm(), { name: 'ghu-a', version: '1', experiment: 'retrain-ghu' });
    expect(await bed.deliver([modelRegisteredEvent('mr-ghu-a-1', model)])).toBe(200);
    expect(bed.emulator.github.runs({ workflowId: 161399 })).toHaveLength(1);
    const warning = bed.telemetryEvents('CdRunNotFindable').find((item) => item.properties['eventId'] === 'mr-ghu-a-1');
    expect(warning?.properties['reason']).toContain('run-name');
    // A run of the playground's workflow, whose run-name shows the key, gets no such warning.
    const keyed = await seedModelVersion(await bed.arm(), { name: 'gh-titled', version: '1', experiment: 'retrain-gh' });
    expect(await bed.deliver([modelRegisteredEvent('mr-gh-titled-1', keyed)])).toBe(200);
    expect(bed.telemetryEvents('CdRunNotFindable').find((item) => item.properties['eventId'] === 'mr-gh-titled-1')).toBeUndefined();
  });
});

describe('a pipeline that does not declare the key', () => {
  it('refuses the run, and the CD channel is told which parameter to declare and why', async () => {
    // A model CD pipeline from before the key: its YAML declares the model's parameters only.
    bed.emulator.devops.addPipeline({
      organization: 'contoso',
      project: 'mlops',
      id: 8,
      name: 'model-cd-before-keys',
      folder: '\\',
      revision: 1,
      parameters: [{ name: 'modelName' }, { name: 'modelVersion' }, { name: 'workspaceId' }],
    });
    const model = await seedModelVersion(await bed.arm(), { name: 'undeclared-a', version: '1', experiment: 'retrain-undeclared' });
    const before = (await bed.sink('teams')).length;
    expect(await bed.deliver([modelRegisteredEvent('mr-undeclared-a-1', model)])).toBe(200);

    expect(bed.emulator.devops.runs({ pipelineId: 8 })).toEqual([]);
    const failure = bed.telemetryEvents('CdFailed').find((item) => item.properties['eventId'] === 'mr-undeclared-a-1');
    expect(failure?.properties).toMatchObject({ retry: 'false', code: 'ConfigurationError' });
    const notice = (await bed.sink('teams')).slice(before).map((delivery) => delivery.teams?.texts.join('\n') ?? '').join('\n');
    expect(notice).toContain("does not declare 'idempotencyKey'");
    expect(notice).toContain('One run per model version');
  });
});

describe('duplicate deliveries answered from the decision and the ledger', () => {
  it('a duplicate of a version whose run started is answered without reading ARM', async () => {
    const model = await seedModelVersion(await bed.arm(), { name: 'churn-fast', version: '2', experiment: 'retrain-fast' });
    const event = modelRegisteredEvent('mr-churn-fast-2', model);
    expect(await bed.deliver([event])).toBe(200);
    bed.emulator.resetCalls();

    const duplicates = await Promise.all([bed.deliver([event]), bed.deliver([event]), bed.deliver([modelRegisteredEvent('mr-churn-fast-2', model, 'camel')])]);
    expect(duplicates).toEqual([200, 200, 200]);
    expect(armReadsOf('churn-fast')).toBe(0);
    expect(await runsFor('churn-fast')).toHaveLength(1);
    const skips = bed.telemetryEvents('CdSkipped').filter((item) => item.properties['modelName'] === 'churn-fast');
    expect(skips).toHaveLength(3);
    expect(skips.every((item) => /already started \(run \d+\) by event mr-churn-fast-2/.test(item.properties['reason'] ?? ''))).toBe(true);
    expect(skips[0]?.properties).toMatchObject({ target: 'model-cd', targetKind: 'azureDevOps', rule: 'retrained-churn', modelVersion: '2' });
  });

  it('a duplicate of a skipped version is answered with the recorded reason without reading ARM', async () => {
    const model = await seedModelVersion(await bed.arm(), { name: 'churn-notebook', version: '1', experiment: 'notebook-exploration' });
    expect(await bed.deliver([modelRegisteredEvent('mr-churn-notebook-1', model)])).toBe(200);
    bed.emulator.resetCalls();

    expect(await bed.deliver([modelRegisteredEvent('mr-churn-notebook-1', model)])).toBe(200);
    expect(armReadsOf('churn-notebook')).toBe(0);
    const skips = bed.telemetryEvents('CdSkipped').filter((item) => item.properties['eventId'] === 'mr-churn-notebook-1');
    expect(skips).toHaveLength(2);
    expect(skips[1]?.properties['reason']).toContain("experiment 'notebook-exploration' matches none of retrain*");
  });

  it('a version whose run was released after a transient failure, or whose claim went stale, re-reads ARM and starts its run', async () => {
    const model = await seedModelVersion(await bed.arm(), { name: 'churn-stale', version: '6', experiment: 'retrain-stale' });
    const event = modelRegisteredEvent('mr-churn-stale-6', model);
    bed.emulator.injectFault({ method: 'POST', path: '^/ado/contoso/mlops/_apis/pipelines/1/runs$', status: 503, times: 1 });
    expect(await bed.deliver([event])).toBe(500);

    // The released claim is taken by a holder that then dies: its lease ran out ten minutes ago.
    const keys = cdLedgerKey({ workspaceId: WORKSPACE_ID, subject: modelSubject('churn-stale', '6'), target: 'model-cd' });
    const longAgo = new Date(Date.now() - 10 * 60_000);
    expect(await createOnceLedger(bed.app.adapters.state, CD_LEDGER_TABLE, { now: () => longAgo }).claim(keys, 'mr-crashed')).toMatchObject({ kind: 'claimed', attempt: 2 });
    bed.emulator.resetCalls();

    expect(await bed.deliver([event])).toBe(200);
    expect(armReadsOf('churn-stale')).toBeGreaterThan(0);
    expect(await runsFor('churn-stale')).toHaveLength(1);
    const triggered = bed.telemetryEvents('CdTriggered').find((item) => item.properties['modelName'] === 'churn-stale');
    expect(triggered?.properties['attempt']).toBe('3');
  });

  it('a dry run after a transient failure says the run would start, and starts nothing', async () => {
    const model = await seedModelVersion(await bed.arm(), { name: 'churn-dry', version: '2', experiment: 'retrain-dry' });
    const event = modelRegisteredEvent('mr-churn-dry-2', model);
    bed.emulator.injectFault({ method: 'POST', path: '^/ado/contoso/mlops/_apis/pipelines/1/runs$', status: 503, times: 1 });
    expect(await bed.deliver([event])).toBe(500);

    const quiet = { info: () => {}, warn: () => {}, error: () => {} };
    const outcome = await routeEvent(parseEvent(event), async () => bed.app, quiet, { dryRun: true });
    expect(outcome.reason).toContain('would start Azure DevOps contoso/mlops pipeline 1 for model churn-dry:2');
    expect(await runsFor('churn-dry')).toEqual([]);
  });

  it('a duplicate finding a live claim on the run fails so Event Grid brings it back, and starts the run once the claim is given up', async () => {
    const model = await seedModelVersion(await bed.arm(), { name: 'churn-live', version: '3', experiment: 'retrain-live' });
    const event = modelRegisteredEvent('mr-churn-live-3', model);
    bed.emulator.injectFault({ method: 'POST', path: '^/ado/contoso/mlops/_apis/pipelines/1/runs$', status: 503, times: 1 });
    expect(await bed.deliver([event])).toBe(500);
    // Another delivery holds the claim right now: it may still fail, so this one must not be acknowledged.
    const ledger = createOnceLedger(bed.app.adapters.state, CD_LEDGER_TABLE);
    const keys = cdLedgerKey({ workspaceId: WORKSPACE_ID, subject: modelSubject('churn-live', '3'), target: 'model-cd' });
    const holder = await ledger.claim(keys, 'mr-holder');
    if (holder.kind !== 'claimed') throw new Error(`expected to claim, got ${holder.kind}`);
    bed.emulator.resetCalls();

    expect(await bed.deliver([event])).toBe(500);
    expect(armReadsOf('churn-live')).toBe(0);
    expect(await runsFor('churn-live')).toEqual([]);

    // The holder fails transiently and gives its claim back: the redelivery starts the run, once.
    await ledger.release(holder, 'target unavailable');
    expect(await bed.deliver([event])).toBe(200);
    expect(await bed.deliver([event])).toBe(200);
    expect(await runsFor('churn-live')).toHaveLength(1);
  });
});

describe('CD decisions in Table Storage', () => {
  const fingerprint = (): string => cdPolicyFingerprint(bed.app.policy);

  it('one of several concurrent deliveries decides; the others wait for its decision', async () => {
    const keys = { workspaceId: WORKSPACE_ID, subject: modelSubject('decided-together', '1') };
    const impatient = createCdDecisions(bed.app.adapters.state, { waitMs: 100 });
    const gates = await Promise.all([impatient.open(keys, 'e-1', fingerprint()), impatient.open(keys, 'e-1', fingerprint()), impatient.open(keys, 'e-2', fingerprint())]);
    expect(gates.map((gate) => gate.kind).sort()).toEqual(['decide', 'undecided', 'undecided']);
    const decider = gates.find((gate) => gate.kind === 'decide');
    if (decider?.kind !== 'decide') throw new Error('no decider');

    const decisions = createCdDecisions(bed.app.adapters.state);
    const waiting = Promise.all([decisions.open(keys, 'e-3', fingerprint()), decisions.open(keys, 'e-4', fingerprint())]);
    expect(await decisions.record(decider.claim, { outcome: 'matched', targets: [{ target: 'model-cd', rule: 'retrained-churn' }], eventId: 'e-1' })).toBe(true);
    for (const gate of await waiting) {
      expect(gate).toEqual({ kind: 'decided', decision: { outcome: 'matched', targets: [{ target: 'model-cd', rule: 'retrained-churn' }], eventId: 'e-1' } });
    }
  });

  it('a decision made under another policy, a released claim and a stale claim are decided again; a live one past the wait is not taken', async () => {
    const keys = { workspaceId: WORKSPACE_ID, subject: modelSubject('decided-again', '1') };
    const decisions = createCdDecisions(bed.app.adapters.state, { waitMs: 50 });
    const first = await decisions.open(keys, 'e-1', 'policy-a');
    if (first.kind !== 'decide') throw new Error('expected to decide');
    await decisions.record(first.claim, { outcome: 'skipped', reason: 'no CD rule matches', eventId: 'e-1' });
    expect(await decisions.open(keys, 'e-2', 'policy-a')).toMatchObject({ kind: 'decided', decision: { outcome: 'skipped' } });

    const underNewPolicy = await decisions.open(keys, 'e-3', 'policy-b');
    expect(underNewPolicy.kind).toBe('decide');
    // Being decided by a live holder: after the wait the delivery takes the full path without taking the claim.
    expect(await decisions.open(keys, 'e-4', 'policy-b')).toEqual({ kind: 'undecided' });
    if (underNewPolicy.kind !== 'decide') throw new Error('expected to decide');
    await decisions.release(underNewPolicy.claim, 'ARM timed out');
    const afterRelease = await decisions.open(keys, 'e-5', 'policy-b');
    expect(afterRelease.kind).toBe('decide');

    const later = createCdDecisions(bed.app.adapters.state, { waitMs: 50, now: () => new Date(Date.now() + 2 * 60_000) });
    expect((await later.open(keys, 'e-6', 'policy-b')).kind).toBe('decide');
  });
});
