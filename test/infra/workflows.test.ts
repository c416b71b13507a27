import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { loadInfra } from './terraformModel.js';
import { repositoryRoot } from '../helpers/repositoryRoot.js';

const repoRoot = repositoryRoot;
const workflowsDir = path.join(repoRoot, '.github/workflows');

const step = z.looseObject({
  run: z.string().optional(),
  uses: z.string().optional(),
  if: z.string().optional(),
  with: z.record(z.string(), z.unknown()).optional(),
});
const job = z.looseObject({
  needs: z.string().optional(),
  strategy: z.looseObject({ matrix: z.record(z.string(), z.unknown()).optional() }).optional(),
  uses: z.string().optional(),
  with: z.record(z.string(), z.unknown()).optional(),
  steps: z.array(step).optional(),
});
const workflowSchema = z.looseObject({
  on: z.record(z.string(), z.unknown()),
  permissions: z.record(z.string(), z.string()).optional(),
  jobs: z.record(z.string(), job),
});
type Workflow = z.infer<typeof workflowSchema>;

async function workflow(name: string): Promise<{ text: string; parsed: Workflow }> {
  const text = await readFile(path.join(workflowsDir, name), 'utf8');
  return { text, parsed: workflowSchema.parse(parse(text)) };
}

function runCommands(parsed: Workflow): string[] {
  return Object.values(parsed.jobs).flatMap((j) => (j.steps ?? []).flatMap((s) => (s.run === undefined ? [] : [s.run])));
}

function usesOf(parsed: Workflow): { uses: string; if?: string | undefined; with: Record<string, unknown> }[] {
  return Object.values(parsed.jobs).flatMap((j) =>
    (j.steps ?? []).flatMap((s) => (s.uses === undefined ? [] : [{ uses: s.uses, if: s.if, with: s.with ?? {} }])),
  );
}

/** `node_version`'s default in infra/variables.tf: the Node.js line the app runs on in Azure unless told otherwise. */
async function deployedNodeVersion(): Promise<unknown> {
  const infra = await loadInfra(path.join(repoRoot, 'infra'));
  return infra.modules.get('.')?.variables.get('node_version')?.default;
}

describe('the app\u2019s own pipeline', () => {
  it('CI runs the tests and packages on every push and pull request, keeping the zip as an artifact', async () => {
    const { parsed } = await workflow('ci.yml');
    expect(Object.keys(parsed.on).sort()).toEqual(['pull_request', 'push']);
    const commands = runCommands(parsed);
    expect(commands).toEqual(expect.arrayContaining(['npm ci', 'npm test', 'npm run package']));
    const upload = usesOf(parsed).find((step) => step.uses.startsWith('actions/upload-artifact@'));
    expect(upload?.with.path).toBe('out/aml-warden.zip');
  });

  it('CI tests on Node.js 20 and 22 and keeps the zip built on the line infra deploys', async () => {
    const { parsed } = await workflow('ci.yml');
    const [job] = Object.values(parsed.jobs);
    expect(job?.strategy?.matrix?.['node-version']).toEqual([20, 22]);
    const setupNode = usesOf(parsed).find((step) => step.uses.startsWith('actions/setup-node@'));
    expect(setupNode?.with['node-version']).toBe('${{ matrix.node-version }}');
    const upload = usesOf(parsed).find((step) => step.uses.startsWith('actions/upload-artifact@'));
    expect(upload?.if).toBe(`matrix.node-version == ${String(await deployedNodeVersion())}`);
  });

  it('the deployed zip is built on the Node.js line infra deploys by default (22)', async () => {
    expect(await deployedNodeVersion()).toBe('22');
    const { parsed } = await workflow('deploy.yml');
    const setupNode = usesOf(parsed).find((step) => step.uses.startsWith('actions/setup-node@'));
    expect(String(setupNode?.with['node-version'])).toBe(await deployedNodeVersion());
  });

  it('deployment signs in with OIDC federated credentials and no client secret', async () => {
    const { text, parsed } = await workflow('deploy-environment.yml');
    expect(parsed.permissions?.['id-token']).toBe('write');
    const login = usesOf(parsed).find((step) => step.uses.startsWith('azure/login@'));
    expect(Object.keys(login?.with ?? {}).sort()).toEqual(['client-id', 'subscription-id', 'tenant-id']);
    expect(text).toMatch(/ARM_USE_OIDC: "true"/);
    expect(text).not.toMatch(/secrets\.|client-secret|ARM_CLIENT_SECRET|creds:/);
  });

  it('deployment applies Terraform, deploys the zip to Flex Consumption, checks health, then adds the Event Grid subscriptions', async () => {
    const { parsed } = await workflow('deploy-environment.yml');
    const commands = runCommands(parsed);
    const order = [
      commands.findIndex((command) => command.startsWith('terraform init')),
      commands.findIndex((command) => command.includes('deploy_event_subscriptions=${{ steps.deployed.outputs.value }}')),
      commands.findIndex((command) => command.includes('/api/health')),
      commands.findIndex((command) => command.includes('deploy_event_subscriptions=true')),
    ];
    expect(order.every((index) => index >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    // Health is liveness only for anonymous callers; the new code is in place when it reports the zip's version.
    const healthCheck = commands.find((command) => command.includes('/api/health')) ?? '';
    expect(healthCheck).toContain('unzip -p out/aml-warden.zip package.json');
    expect(healthCheck).toMatch(/jq -r \.version health\.json\)" = "\$expected"/);
    const deployZip = usesOf(parsed).find((step) => step.uses.startsWith('Azure/functions-action@'));
    expect(deployZip?.with).toMatchObject({ sku: 'flexconsumption', package: 'out/aml-warden.zip' });
  });

  it('main promotes one build through dev, test and prod', async () => {
    const { parsed } = await workflow('deploy.yml');
    expect(parsed.on.push).toEqual({ branches: ['main'] });
    const { jobs } = parsed;
    expect([jobs.dev?.needs, jobs.test?.needs, jobs.prod?.needs]).toEqual(['build', 'dev', 'test']);
    expect([jobs.dev?.with?.environment, jobs.test?.with?.environment, jobs.prod?.with?.environment]).toEqual(['dev', 'test', 'prod']);
  });
});
