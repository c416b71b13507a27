/**
 * The operators' read-only API through the real HTTP paths: the offline host serving the app, tokens from the
 * emulator's identity provider, state in Azurite. Sweep reports come from a sweep of the playground workspace
 * against the emulator's ARM; CD runs from ModelRegistered deliveries that start (or fail to start) Azure DevOps runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { request as httpsRequest } from '../helpers/emulatorServices.js';
import { modelRegisteredEvent, seedModelVersion, startEventsTestbed, SUBSCRIPTION, WORKSPACE_ID, type EventsTestbed } from '../helpers/eventsTestbed.js';
import { quietLog } from '../helpers/governanceKit.js';
import { sweepInThisProcess } from '../helpers/sweepDriver.js';

const policy = (url: string): string => `
version: 1
mode: audit
scope:
  subscriptions: [${SUBSCRIPTION}]
requiredTags:
  - name: owner
scaling:
  clusters:
    minNodeCount: 0
    maxNodeCount: 4
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
  rules:
    - name: retrained-churn
      target: model-cd
      models: ['churn-*']
      experiments: ['retrain*']
    - name: retired-pat
      target: model-cd-retired-pat
      models: ['retired-*']
      experiments: ['retrain*']
notifications:
  channels:
    teams: { kind: teams, urlSecretName: teams-webhook-url }
  cd: { channel: teams }
`;

let bed: EventsTestbed;
let operator: string;
let approver: string;
let monitoringApp: string;

interface ApiResult<T> {
  readonly status: number;
  readonly body: T;
  readonly text: string;
}

type ErrorBody = { error: { code: string; message: string; target?: string } };

async function api<T = Record<string, unknown>>(path: string, token?: string): Promise<ApiResult<T>> {
  const host = bed.host;
  if (host === undefined) throw new Error('the testbed runs no host');
  const response = await fetch(`${host.url}/api/${path}`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? {} : JSON.parse(text)) as T, text };
}

async function mint(body: Record<string, unknown>): Promise<string> {
  const response = await httpsRequest(`${bed.emulator.url}/idp/dev/token`, { method: 'POST', body, ca: bed.emulator.caPem });
  expect(response.status).toBe(200);
  return response.json<{ access_token: string }>().access_token;
}

/** A component of the app's own OpenAPI document, as a schema to check a served body with. */
async function documented(name: string): Promise<z.ZodType> {
  const document = await api<{ components: { schemas: Record<string, Record<string, unknown>> } }>('openapi.json');
  const component = document.body.components.schemas[name];
  if (component === undefined) throw new Error(`the document has no component ${name}`);
  return z.fromJSONSchema(component);
}

function expectAsDocumented(schema: z.ZodType, body: unknown): void {
  expect(schema.safeParse(body).error?.issues ?? []).toEqual([]);
}

beforeAll(async () => {
  bed = await startEventsTestbed({ policy, host: true });
  [operator, approver, monitoringApp] = await Promise.all([
    mint({ user: 'ops@contoso.com', roles: ['Operator'] }),
    mint({ user: 'approver@contoso.com', roles: ['ComputeApprover'] }),
    mint({ app: 'monitoring', roles: ['Operator'] }),
  ]);
});

afterAll(async () => {
  await bed?.close();
});

describe.each(['sweep-reports', 'sweep-reports/latest', 'cd-runs'])('GET /api/%s refuses callers who are not operators', (path) => {
  it('401 without a token, or with one that is not valid for the API, and no stack trace', async () => {
    for (const token of [undefined, 'not-a-jwt']) {
      const refused = await api<ErrorBody>(path, token);
      expect(refused.status).toBe(401);
      expect(refused.body.error.code).toBe('Unauthorized');
      expect(refused.text).not.toMatch(/\n\s+at |\.ts:\d+/);
    }
  });

  it('403 naming the Operator role for a token without it', async () => {
    const refused = await api<ErrorBody>(path, approver);
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'Forbidden', target: 'roles' });
    expect(refused.body.error.message).toContain('Operator');
  });
});

describe('GET /api/sweep-reports', () => {
  type Summary = { runId: string; workspaces: number; complianceRate: number | null; evaluated: number; totals: { resources: number; violations: number }; problems: number };
  type Report = Summary & { problems: unknown[]; violationsByRule: Record<string, number>; lines: { name: string; rules: string[]; findings?: { rule: string; expected: unknown; actual: unknown }[] }[] };
  let first: string;
  let second: string;

  beforeAll(async () => {
    // Two sweeps of the playground workspace, each stored as a sweep run stores it.
    const runs: string[] = [];
    for (let sweep = 0; sweep < 2; sweep++) {
      const driven = await sweepInThisProcess(bed.app.sweep, quietLog, { notify: false });
      if (driven.report === undefined) throw new Error('the sweep stored no report');
      runs.push(driven.report.runId);
    }
    [first = '', second = ''] = runs;
  });

  it('lists the stored reports newest first, as summaries without their lines', async () => {
    const listed = await api<{ value: Summary[]; count: number }>('sweep-reports', operator);
    expect(listed.status).toBe(200);
    expect(listed.body.value.map((summary) => summary.runId)).toEqual([second, first]);
    expect(listed.body.count).toBe(2);
    const [newest] = listed.body.value;
    // gpu-cluster breaks the scaling rules and neither cluster carries an owner tag.
    expect(newest).toMatchObject({ workspaces: 1, problems: 0 });
    expect(newest?.totals.violations).toBeGreaterThan(0);
    expect(newest?.complianceRate).toBeLessThan(1);
    expect(newest).not.toHaveProperty('lines');
    expectAsDocumented(await documented('SweepReportSummaryList'), listed.body);
  });

  it('takes a limit from 1 to 200, and answers 400 naming limit otherwise', async () => {
    const one = await api<{ value: Summary[] }>('sweep-reports?limit=1', operator);
    expect(one.body.value.map((summary) => summary.runId)).toEqual([second]);
    for (const limit of ['0', '201', '1.5', 'ten', '']) {
      const refused = await api<ErrorBody>(`sweep-reports?limit=${limit}`, operator);
      expect(refused.status, `limit=${limit}`).toBe(400);
      expect(refused.body.error).toMatchObject({ code: 'BadRequest', target: 'query.limit' });
      expect(refused.body.error.message).toContain('from 1 to 200');
    }
    const unknown = await api<ErrorBody>('sweep-reports?since=yesterday', operator);
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toContain('since');
  });

  it('reads one report in full, with each finding behind a line; latest is the newest', async () => {
    const report = await api<Report>(`sweep-reports/${first}`, operator);
    expect(report.status).toBe(200);
    expect(report.body.runId).toBe(first);
    const gpu = report.body.lines.find((line) => line.name === 'gpu-cluster');
    expect(gpu?.rules).toEqual(expect.arrayContaining(['scaling.minNodeCount', 'scaling.maxNodeCount']));
    expect(gpu?.findings?.find((finding) => finding.rule === 'scaling.maxNodeCount')).toMatchObject({ expected: 4, actual: 20 });
    expect(report.body.violationsByRule['scaling.minNodeCount']).toBe(1);
    expectAsDocumented(await documented('SweepReport'), report.body);

    const latest = await api<Report>('sweep-reports/latest', operator);
    expect(latest.status).toBe(200);
    expect(latest.body.runId).toBe(second);
  });

  it('answers 404 for a run it does not know', async () => {
    for (const runId of ['sweep-20000101T000000Z-000000', 'no%20such%20run']) {
      const missing = await api<ErrorBody>(`sweep-reports/${runId}`, operator);
      expect(missing.status, runId).toBe(404);
      expect(missing.body.error).toMatchObject({ code: 'NotFound', target: 'runId' });
      expectAsDocumented(await documented('Error'), missing.body);
    }
  });

  it("an application's token with the Operator role reads them too", async () => {
    const listed = await api<{ count: number }>('sweep-reports', monitoringApp);
    expect(listed.status).toBe(200);
    expect(listed.body.count).toBe(2);
  });
});

describe('GET /api/cd-runs', () => {
  type Run = { target: string; rule?: string; status: string; runId?: string; link?: string; attempts: number; eventId?: string; error?: string };
  type Version = { workspaceId: string; workspaceName: string; modelName: string; modelVersion: string; decision: string; reason?: string; eventId: string; runs: Run[] };
  type Listing = { value: Version[]; count: number };

  beforeAll(async () => {
    bed.emulator.vault.set('retired-ado-pat', 'a-pat-that-was-revoked');
    const arm = await bed.arm();
    // Delivered one after another, so each is decided after the one before: newest first is the reverse.
    const started = await seedModelVersion(arm, { name: 'churn-console', version: '4', experiment: 'retrain-churn-weekly', pipeline: true });
    expect(await bed.deliver([modelRegisteredEvent('mr-console-churn-4', started)])).toBe(200);
    // Event Grid delivers again: the duplicate starts nothing, and leaves no record of its own.
    expect(await bed.deliver([modelRegisteredEvent('mr-console-churn-4', started)])).toBe(200);
    const adHoc = await seedModelVersion(arm, { name: 'churn-console', version: '5', experiment: 'notebook-experiments' });
    expect(await bed.deliver([modelRegisteredEvent('mr-console-churn-5', adHoc)])).toBe(200);
    const refused = await seedModelVersion(arm, { name: 'retired-console', version: '1', experiment: 'retrain-pat' });
    expect(await bed.deliver([modelRegisteredEvent('mr-console-retired-1', refused)])).toBe(200);
  });

  it('lists model versions newest first: the run a version started, with its id and link; why one was skipped; a target that refused', async () => {
    const listed = await api<Listing>('cd-runs', operator);
    expect(listed.status).toBe(200);
    expect(listed.body.value.map((version) => `${version.modelName}:${version.modelVersion}`)).toEqual(['retired-console:1', 'churn-console:5', 'churn-console:4']);
    expect(listed.body.count).toBe(3);
    const [retired, skipped, churn] = listed.body.value;

    const adoRun = (await bed.adoRuns(1)).find((run) => run.templateParameters['modelName'] === 'churn-console');
    expect(adoRun).toBeDefined();
    expect(churn).toMatchObject({ workspaceId: WORKSPACE_ID.toLowerCase(), workspaceName: 'mlw-demo', decision: 'Matched', eventId: 'mr-console-churn-4' });
    expect(churn?.runs).toEqual([
      {
        target: 'model-cd',
        rule: 'retrained-churn',
        status: 'Started',
        runId: String(adoRun?.id),
        link: adoRun?._links.web.href,
        attempts: 1,
        eventId: 'mr-console-churn-4',
        updatedAt: expect.any(String),
      },
    ]);

    expect(skipped).toMatchObject({ decision: 'Skipped', runs: [], eventId: 'mr-console-churn-5' });
    expect(skipped?.reason).toContain('notebook-experiments');

    expect(retired).toMatchObject({ decision: 'Matched', runs: [expect.objectContaining({ target: 'model-cd-retired-pat', rule: 'retired-pat', status: 'Failed', attempts: 1 })] });
    expect(retired?.runs[0]?.error).toMatch(/\S/);
    expect(retired?.runs[0]).not.toHaveProperty('runId');

    expectAsDocumented(await documented('CdRunList'), listed.body);
  });

  it('filters by exact model name and takes a limit', async () => {
    const churn = await api<Listing>('cd-runs?model=churn-console', operator);
    expect(churn.body.value.map((version) => version.modelVersion)).toEqual(['5', '4']);
    const newest = await api<Listing>('cd-runs?model=churn-console&limit=1', operator);
    expect(newest.body.value.map((version) => version.modelVersion)).toEqual(['5']);
    // A prefix of a name is not the name.
    const prefix = await api<Listing>('cd-runs?model=churn', operator);
    expect(prefix.body).toEqual({ value: [], count: 0 });
  });

  it('answers 400 naming the parameter for a limit out of range or a name Azure ML would not give a model', async () => {
    const tooMany = await api<ErrorBody>('cd-runs?limit=500', operator);
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error).toMatchObject({ code: 'BadRequest', target: 'query.limit' });
    const badName = await api<ErrorBody>(`cd-runs?model=${encodeURIComponent('churn:4|model-cd')}`, operator);
    expect(badName.status).toBe(400);
    expect(badName.body.error).toMatchObject({ code: 'BadRequest', target: 'query.model' });
    expectAsDocumented(await documented('Error'), badName.body);
  });
});

describe('the OpenAPI document', () => {
  it('lists the read-only routes for the Operator role, with their parameters', async () => {
    const document = await api<{ paths: Record<string, Record<string, { security: unknown; 'x-app-roles': string[]; parameters?: { name: string; in: string; required: boolean; schema: Record<string, unknown> }[] }>> }>('openapi.json');
    for (const path of ['/sweep-reports', '/sweep-reports/{runId}', '/cd-runs']) {
      expect(document.body.paths[path]?.['get']).toMatchObject({ security: [{ bearer: [] }], 'x-app-roles': ['Operator'] });
    }
    expect(document.body.paths['/cd-runs']?.['get']?.parameters).toEqual([
      expect.objectContaining({ name: 'limit', in: 'query', required: false, schema: expect.objectContaining({ minimum: 1, maximum: 200, default: 50 }) }),
      expect.objectContaining({ name: 'model', in: 'query', required: false }),
    ]);
    expect(document.body.paths['/sweep-reports/{runId}']?.['get']?.parameters).toEqual([expect.objectContaining({ name: 'runId', in: 'path', required: true })]);
  });
});
