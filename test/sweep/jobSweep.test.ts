/**
 * Jobs in the sweep, against the emulator's playground and Azurite: what-if lists a running serverless job with a
 * disallowed instance type, with expected and actual values, and cancels nothing; an enforce sweep cancels it at the
 * emulator and its owner hears once. One Jobs_List per workspace.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { previewSweep } from '../../src/sweep/previewSweep.js';
import { formatReportMarkdown } from '../../src/sweep/reportMarkdown.js';
import { localIdpCredential, request } from '../helpers/emulatorServices.js';
import { SUB, WORKSPACE_ID, quietLog, startGovernanceKit, type GovernanceKit } from '../helpers/governanceKit.js';
import { sweepInThisProcess } from '../helpers/sweepDriver.js';

const JOB_ID = `${WORKSPACE_ID}/jobs/train-on-nc24`;
/** The playground policy without its `jobs:` section (the section and its indented lines). */
const withoutJobRules = (policy: string) => policy.replace(/^jobs:\n(?:[ #].*\n|\n)*/m, '');
const withJobRules = (policy: string) => `${withoutJobRules(policy).trimEnd()}\njobs:\n  action: cancel\n  allowedInstanceTypes: [Standard_DS3_v2]\n`;

let kit: GovernanceKit;

beforeAll(async () => {
  kit = await startGovernanceKit();
});

afterAll(async () => {
  await kit?.close();
});

beforeEach(async () => {
  kit.emulator.reset();
  const token = (await localIdpCredential(kit.emulator.url, kit.emulator.caPem).getToken('https://management.azure.com/.default'))?.token ?? '';
  const put = await request(`${kit.emulator.url}${JOB_ID}?api-version=2024-04-01`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}` },
    body: { properties: { jobType: 'Command', status: 'Running', command: 'python train.py', environmentId: 'azureml:sklearn:1', tags: { owner: 'scientist@contoso.com' }, resources: { instanceType: 'Standard_NC24', instanceCount: 1 } } },
    ca: kit.emulator.caPem,
  });
  expect(put.status).toBe(201);
});

const jobStatus = () => kit.emulator.state.get(JOB_ID)?.properties['status'];
const jobNotices = () => kit.emulator.sinks.deliveries('teams').filter((delivery) => /train-on-nc24/.test(JSON.stringify(delivery.body)));
const jobLists = () => kit.emulator.calls().filter((call) => call.method === 'GET' && /\/workspaces\/[^/]+\/jobs$/i.test(call.path));

describe('jobs in the sweep', () => {
  it('what-if lists the job with the expected and actual instance type, and cancels nothing', async () => {
    await previewSweep(kit.app(withoutJobRules).sweep, quietLog, { subscriptions: [SUB] });
    const listsWithoutJobRules = jobLists().length;
    const app = kit.app(withJobRules);
    const report = await previewSweep(app.sweep, quietLog, { subscriptions: [SUB] });
    const line = report.lines.find((candidate) => candidate.resourceId === JOB_ID);
    expect(line).toMatchObject({ resourceType: 'job', name: 'train-on-nc24', outcome: 'wouldChange', owner: 'scientist@contoso.com', note: 'would be cancelled (jobs.action: cancel)' });
    expect(line?.findings).toEqual([expect.objectContaining({ rule: 'job.instanceType', expected: 'Standard_DS3_v2', actual: 'Standard_NC24' })]);
    expect(formatReportMarkdown(report)).toContain('train-on-nc24 _(job)_');
    expect(jobStatus()).toBe('Running');
    expect(jobNotices()).toHaveLength(0);
    // One Jobs_List more per workspace than the sweep makes without job rules.
    expect(jobLists().length - listsWithoutJobRules).toBe(listsWithoutJobRules + 1); // the second preview made L + 1
  });

  it('an enforce sweep cancels the job and tells its owner once', async () => {
    const app = kit.app(withJobRules);
    const first = await sweepInThisProcess(app.sweep, quietLog);
    expect(first.report?.lines.find((line) => line.resourceId === JOB_ID)).toMatchObject({ outcome: 'remediated', change: 'Jobs_Cancel' });
    expect(jobStatus()).toBe('Canceled');
    expect(jobNotices()).toHaveLength(1);
    await sweepInThisProcess(app.sweep, quietLog);
    expect(jobNotices()).toHaveLength(1);
  });
});
