/**
 * The web console in a real Chromium against the playground as `npm start` runs it (the app on the offline host, the
 * emulator and Azurite, on free ports): people sign in through the playground's identity provider with MSAL.js, a
 * requester files a request, an approver approves it, the requester watches it reach Succeeded. Each page is checked
 * with axe-core (no serious or critical violation) and photographed into `.aml-warden/screenshots/console-*.png`.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { findFreePort } from '../../dev/ports.js';
import { startPlayground, type Playground } from '../../dev/start.js';
import { buildConsole } from '../../scripts/buildConsole.js';
import { describeExpectation, formatValue } from '../../src/policy/findings.js';
import { routeEmulatorThroughNode } from '../console/emulatorThroughNode.js';
import { launchChromium, type LaunchedChromium } from '../helpers/chromium.js';
import { request as httpsRequest } from '../helpers/emulatorServices.js';
import { createPlaygroundCopy, type PlaygroundCopy } from '../helpers/playgroundCopy.js';
import { repositoryRoot } from '../helpers/repositoryRoot.js';

const WORKSPACE_ID =
  '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-mlops-demo/providers/Microsoft.MachineLearningServices/workspaces/mlw-demo';
const SCREENSHOTS = join(repositoryRoot, '.aml-warden', 'screenshots');
const axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let copy: PlaygroundCopy | undefined;
let playground: Playground | undefined;
let chromium: LaunchedChromium | undefined;
let ca: string;
let consoleUrl: string;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];
const routingFailures: (readonly string[])[] = [];

beforeAll(async () => {
  copy = await createPlaygroundCopy('e2e-console-');
  // The console as `npm run build` writes it, beside the compiled app the host serves.
  await buildConsole({ root: repositoryRoot, outDir: join(copy.distDir, 'console') });
  const appPort = await findFreePort();
  consoleUrl = `http://127.0.0.1:${appPort}/api/console`;
  playground = await startPlayground({
    cwd: copy.folder,
    distDir: copy.distDir,
    appPort,
    emulatorPort: 0,
    azuritePort: 0,
    runner: 'host',
    log: () => undefined,
    environment: { ...process.env, AML_WARDEN_CONSOLE_URL: consoleUrl },
  });
  ca = await readFile(playground.caFile, 'utf8');
  chromium = await launchChromium();
  await mkdir(SCREENSHOTS, { recursive: true });
}, 180_000);

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await chromium?.close();
  await playground?.stop();
  await copy?.remove();
});

/** A browser of its own for one person (its own session storage), reaching the emulator through Node. */
async function personPage(): Promise<Page> {
  if (chromium === undefined || playground === undefined) throw new Error('the playground did not start');
  const context = await chromium.browser.newContext({ viewport: { width: 1280, height: 900 } });
  contexts.push(context);
  routingFailures.push(await routeEmulatorThroughNode(context, playground.emulatorUrl, ca));
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`));
  return page;
}

/** Signs in from the console's sign-in page: the authority's account picker, then back to where it started. */
async function signIn(page: Page, user: string): Promise<void> {
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: new RegExp(user.replace('.', '\\.')) }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

async function open(page: Page, path: string): Promise<void> {
  await page.goto(`${consoleUrl}/${path}`);
}

async function heading(page: Page): Promise<string> {
  return (await page.locator('main h1').textContent())?.trim() ?? '';
}

const axeViolations = z.array(z.object({ id: z.string(), impact: z.string().nullable(), help: z.string(), targets: z.array(z.string()) }));

/** axe-core's serious and critical violations on the page as it is now (its script evaluated in the page). */
async function seriousViolations(page: Page): Promise<z.infer<typeof axeViolations>> {
  await page.evaluate(axeSource);
  const found = await page.evaluate(`(async () => {
    const results = await window.axe.run(document, { resultTypes: ['violations'] });
    return results.violations.map((v) => ({ id: v.id, impact: v.impact ?? null, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
  })()`);
  return axeViolations.parse(found).filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
}

async function screenshot(page: Page, name: string): Promise<void> {
  // A tab in the background is not painted, so it could not be photographed.
  await page.bringToFront();
  await page.screenshot({ path: join(SCREENSHOTS, `console-${name}.png`), fullPage: true });
}

/** Checks the page with axe and photographs it. */
async function look(page: Page, name: string): Promise<void> {
  const violations = await seriousViolations(page);
  expect(violations.map((violation) => `${violation.id} (${violation.impact ?? ''}): ${violation.help} at ${violation.targets.join(', ')}`), `axe on ${name}`).toEqual([]);
  await screenshot(page, name);
}

async function devToken(user: string, roles: readonly string[]): Promise<string> {
  if (playground === undefined) throw new Error('the playground did not start');
  const answer = await httpsRequest(`${playground.emulatorUrl}/idp/dev/token`, { method: 'POST', body: { user, roles }, ca });
  return z.object({ access_token: z.string() }).parse(answer.json()).access_token;
}

async function api(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${playground?.appUrl ?? ''}/api/${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json() };
}

const errorMessage = z.object({ error: z.object({ message: z.string() }) });

describe('the console, from filing a request to a ready cluster', () => {
  let requestId = '';
  let requester: Page;
  let approver: Page;

  it('serves its page at /api/console/ and asks people to sign in', async () => {
    requester = await personPage();
    await open(requester, '');
    expect(await heading(requester)).toBe('Sign in');
    await look(requester, 'sign-in');
  });

  it('signs the requester in through the playground identity provider and shows the home page', async () => {
    await signIn(requester, 'requester@contoso.com');
    expect(await heading(requester)).toBe('aml-warden console');
    await expect(requester.locator('.who .user').textContent()).resolves.toBe('Requester');
    await look(requester, 'home');
  }, 60_000);

  it('shows what the policy allows in the workspace, and a refusal inline with the API’s own message', async () => {
    await requester.getByRole('link', { name: 'Request compute' }).first().click();
    await requester.getByLabel('Workspace').fill(WORKSPACE_ID);
    await requester.getByRole('button', { name: 'Show what the policy allows' }).click();
    await requester.getByLabel('Compute name').waitFor();
    // The VM sizes offered are the policy's.
    const options = z.object({ vmSize: z.object({ allowed: z.array(z.string()) }), maxNodeCount: z.object({ maximum: z.number() }) }).parse(
      (await api('GET', `compute-requests/options?workspaceId=${encodeURIComponent(WORKSPACE_ID)}`, await devToken('requester@contoso.com', ['ComputeRequester']))).body,
    );
    expect(await requester.getByLabel('VM size').locator('option').allTextContents()).toEqual(options.vmSize.allowed);
    await look(requester, 'request-compute');

    const tooMany = options.maxNodeCount.maximum + 1;
    await requester.getByLabel('Compute name').fill('console-train');
    await requester.getByLabel('Maximum nodes').fill(String(tooMany));
    await requester.getByLabel('Justification').fill('Retraining the churn model');
    await requester.getByRole('button', { name: 'File the request' }).click();
    const refusal = await api('POST', 'compute-requests', await devToken('someone@contoso.com', ['ComputeRequester']), {
      workspaceId: WORKSPACE_ID,
      computeName: 'console-probe',
      vmSize: options.vmSize.allowed[0],
      maxNodeCount: tooMany,
      justification: 'probe',
    });
    expect(refusal.status).toBe(422);
    const message = errorMessage.parse(refusal.body).error.message;
    await expect(requester.locator('#maxNodeCount-error').textContent()).resolves.toBe(message);
    await expect(requester.getByLabel('Maximum nodes').getAttribute('aria-invalid')).resolves.toBe('true');
    await look(requester, 'request-compute-refused');
  }, 60_000);

  it('files the request and shows it Pending with its history', async () => {
    await requester.getByLabel('Maximum nodes').fill('2');
    await requester.getByRole('button', { name: 'File the request' }).click();
    await requester.waitForURL(/\/api\/console\/requests\/[^/?]+/);
    requestId = decodeURIComponent(new URL(requester.url()).pathname.split('/').pop() ?? '');
    expect(requestId).not.toBe('');
    await expect(requester.locator('.status-line .badge').textContent()).resolves.toBe('Pending');
    await expect(requester.locator('.timeline li').count()).resolves.toBe(1);
    await look(requester, 'my-request-pending');
  }, 60_000);

  it('sends the approvers a Teams card whose button opens that request\'s approval page', async () => {
    const sinkSchema = z.object({ deliveries: z.array(z.object({ teams: z.object({ links: z.array(z.object({ text: z.string(), url: z.string() })) }).optional() })) });
    // The card is sent after the request is stored: wait for it.
    await vi.waitFor(
      async () => {
        const sink = sinkSchema.parse((await httpsRequest(`${playground?.emulatorUrl ?? ''}/sink/teams`, { ca })).json());
        const links = sink.deliveries.flatMap((delivery) => delivery.teams?.links ?? []);
        expect(links).toContainEqual(expect.objectContaining({ url: `${consoleUrl}/approvals/${encodeURIComponent(requestId)}` }));
      },
      { timeout: 10_000, interval: 200 },
    );
  });

  it('does not offer the requester to approve their own request', async () => {
    await open(requester, `approvals/${encodeURIComponent(requestId)}`);
    await requester.getByText('You filed this request, so you cannot approve or reject it').waitFor();
    await expect(requester.getByRole('button', { name: 'Approve' }).count()).resolves.toBe(0);
    await expect(requester.getByRole('button', { name: 'Reject' }).count()).resolves.toBe(0);
    // The API refuses it all the same.
    const self = await api('POST', `compute-requests/${requestId}/approve`, await devToken('requester@contoso.com', ['ComputeRequester', 'ComputeApprover']), {});
    expect(self.status).toBe(403);
    await look(requester, 'approval-own-request');
  }, 60_000);

  it('lets the approver approve it; a second approval shows the API’s 409 message', async () => {
    approver = await personPage();
    await open(approver, 'approvals');
    await signIn(approver, 'approver@contoso.com');
    await approver.getByRole('link', { name: /console-train in mlw-demo/ }).waitFor();
    await look(approver, 'approvals');

    // A second approver's page, opened while the request is still pending.
    const second = await approver.context().newPage();
    await second.goto(`${consoleUrl}/approvals/${encodeURIComponent(requestId)}`);
    await second.getByRole('button', { name: 'Approve' }).waitFor();

    await approver.getByRole('link', { name: /console-train in mlw-demo/ }).click();
    await approver.getByRole('button', { name: 'Approve' }).waitFor();
    await expect(approver.getByText('Retraining the churn model').count()).resolves.toBeGreaterThan(0);
    await look(approver, 'approval');
    await approver.getByLabel('Comment (optional)').fill('ok for this sprint');
    await approver.getByRole('button', { name: 'Approve' }).click();
    // The decision recorded: the page shows the request's new status, and offers no decision any more.
    await approver.locator('.status-line .badge').filter({ hasText: /^(Approved|Provisioning|Succeeded)$/ }).waitFor();
    await expect(approver.getByRole('button', { name: 'Approve' }).count()).resolves.toBe(0);

    const conflict = second.waitForResponse((response) => response.url().endsWith(`/api/compute-requests/${requestId}/approve`));
    await second.getByRole('button', { name: 'Approve' }).click();
    const answer = await conflict;
    expect(answer.status()).toBe(409);
    const message = errorMessage.parse(await answer.json()).error.message;
    await second.getByRole('alert').filter({ hasText: message }).waitFor();
    await look(second, 'approval-conflict');
    await second.close();
  }, 90_000);

  it('shows the requester the request reaching Succeeded, its history a timeline', async () => {
    await open(requester, `requests/${encodeURIComponent(requestId)}`);
    // The page looks again every two seconds while the app provisions the cluster.
    await requester.locator('.status-line .badge', { hasText: 'Succeeded' }).waitFor({ timeout: 60_000 });
    await expect(requester.locator('.timeline .badge').allTextContents()).resolves.toEqual(['Pending', 'Approved', 'Provisioning', 'Succeeded']);
    await look(requester, 'my-request');
    await open(requester, 'requests');
    await requester.getByRole('link', { name: 'console-train' }).waitFor();
    await look(requester, 'my-requests');
  }, 90_000);

  it('met no script error and forwarded every request to the emulator', () => {
    expect(pageErrors).toEqual([]);
    expect(routingFailures.flat()).toEqual([]);
  });
});

/** Waits, looking again every half second, until `read` gives a value. */
async function eventually<T>(what: string, read: () => Promise<T | undefined>, attempts = 120): Promise<T> {
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    const value = await read();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`${what} did not happen`);
}

/** An ARM token from the emulator's identity provider (client credentials), as a data scientist's tools get one. */
async function armToken(): Promise<string> {
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: 'console-e2e', scope: 'https://management.azure.com/.default' }).toString();
  const answer = await httpsRequest(`${playground?.emulatorUrl ?? ''}/idp/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form, ca });
  return z.object({ access_token: z.string() }).parse(answer.json()).access_token;
}

async function armPut(path: string, body: unknown): Promise<void> {
  const answer = await httpsRequest(`${playground?.emulatorUrl ?? ''}${WORKSPACE_ID}/${path}?api-version=2024-04-01`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${await armToken()}` },
    body,
    ca,
  });
  expect(answer.status, `PUT ${path}: ${answer.text}`).toBeLessThan(300);
}

const findingSchema = z.object({ rule: z.string(), expected: z.unknown(), actual: z.unknown(), relation: z.enum(['equals', 'atMost', 'oneOf', 'present', 'valid']) });
const reportSchema = z.object({ runId: z.string(), lines: z.array(z.object({ resourceId: z.string(), name: z.string(), findings: z.array(findingSchema).optional() })) });
const cdRunsSchema = z.object({
  value: z.array(z.object({ modelName: z.string(), modelVersion: z.string(), decision: z.string(), reason: z.string().optional(), runs: z.array(z.object({ target: z.string(), status: z.string(), runId: z.string().optional() })) })),
});
const findingValue = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string())]);

describe('the console for operators: compliance and model CD', () => {
  let ops: Page;

  it('shows a requester the API’s refusal of the operators’ pages', async () => {
    const requester = await personPage();
    await open(requester, 'compliance');
    await signIn(requester, 'requester@contoso.com');
    const refusal = await api('GET', 'sweep-reports?limit=30', await devToken('requester@contoso.com', ['ComputeRequester']));
    expect(refusal.status).toBe(403);
    await requester.getByRole('alert').filter({ hasText: errorMessage.parse(refusal.body).error.message }).waitFor();
  }, 60_000);

  it('shows the latest sweep: compliance, findings by rule with expected and actual, and one compute’s findings', async () => {
    if (playground === undefined) throw new Error('the playground did not start');
    // The scheduled sweep, run now through the host's admin API; it stores its report.
    const masterKey = z.object({ masterKey: z.string() }).parse(JSON.parse(await readFile(playground.keysFile, 'utf8'))).masterKey;
    const started = await fetch(`${playground.appUrl}/admin/functions/complianceSweep`, {
      method: 'POST',
      headers: { 'x-functions-key': masterKey, 'content-type': 'application/json' },
      body: JSON.stringify({ input: '' }),
    });
    expect(started.status).toBe(202);
    const operator = await devToken('ops@contoso.com', ['Operator']);
    const report = await eventually('a stored sweep report', async () => {
      const answer = await api('GET', 'sweep-reports/latest', operator);
      return answer.status === 200 ? reportSchema.parse(answer.body) : undefined;
    });
    const gpu = report.lines.find((line) => line.name === 'gpu-cluster');
    const finding = gpu?.findings?.[0];
    if (gpu === undefined || finding === undefined) throw new Error('the sweep reported no finding for gpu-cluster');

    ops = await personPage();
    await open(ops, 'compliance');
    await signIn(ops, 'ops@contoso.com');
    await ops.getByRole('heading', { name: 'Latest sweep' }).waitFor();
    // The rule's table lists gpu-cluster with what the policy expects and what Azure had, in the policy's own words.
    const row = ops.locator('table', { has: ops.locator('caption', { hasText: `${finding.rule} (` }) }).locator('tr', { hasText: 'gpu-cluster' });
    await expect(row.locator('td').allTextContents()).resolves.toEqual(
      expect.arrayContaining([describeExpectation(finding.relation, findingValue.parse(finding.expected)), formatValue(findingValue.parse(finding.actual))]),
    );
    await look(ops, 'compliance');

    await row.getByRole('link', { name: 'gpu-cluster' }).click();
    await ops.getByRole('heading', { name: 'Compliance of gpu-cluster' }).waitFor();
    await ops.getByRole('heading', { name: 'Findings', exact: true }).waitFor();
    await expect(ops.locator('main table tbody tr').count()).resolves.toBe(gpu.findings?.length ?? 0);
    await look(ops, 'compliance-resource');
  }, 120_000);

  it('shows the model CD ledger: the version a retraining run produced started the CD, another was skipped with its reason', async () => {
    await armPut('jobs/retrain-console-7', { properties: { jobType: 'Pipeline', experimentName: 'retrain-console', status: 'Completed' } });
    await armPut('models/console-model/versions/1', { properties: { jobName: 'retrain-console-7', modelUri: 'azureml://jobs/retrain-console-7/outputs/artifacts/paths/model/' } });
    await armPut('jobs/explore-console-1', { properties: { jobType: 'Command', experimentName: 'explore', status: 'Completed' } });
    await armPut('models/scratch-model/versions/1', { properties: { jobName: 'explore-console-1', modelUri: 'azureml://jobs/explore-console-1/outputs/artifacts/paths/model/' } });
    const operator = await devToken('ops@contoso.com', ['Operator']);
    const ledger = await eventually('both versions in the CD ledger', async () => {
      const answer = cdRunsSchema.parse((await api('GET', 'cd-runs?limit=50', operator)).body);
      const started = answer.value.find((version) => version.modelName === 'console-model' && version.runs.some((run) => run.status === 'Started'));
      const skipped = answer.value.find((version) => version.modelName === 'scratch-model' && version.decision === 'Skipped');
      return started !== undefined && skipped !== undefined ? { started, skipped } : undefined;
    });

    await open(ops, 'model-cd');
    const started = ops.locator('tbody tr', { hasText: 'console-model' });
    await started.getByText('Matched').waitFor();
    const run = ledger.started.runs.find((candidate) => candidate.status === 'Started');
    await started.getByText(run?.target ?? '(no target)').waitFor();
    await started.getByRole('link', { name: `run ${run?.runId ?? ''}` }).waitFor();
    const skipped = ops.locator('tbody tr', { hasText: 'scratch-model' });
    await skipped.getByText('Skipped').waitFor();
    await skipped.getByText(ledger.skipped.reason ?? '(no reason)').waitFor();
    await look(ops, 'model-cd');
  }, 120_000);

  it('works from the keyboard: the skip link first, then the navigation; a new page puts the focus on its heading', async () => {
    await open(ops, '');
    await ops.getByRole('heading', { name: 'aml-warden console' }).waitFor();
    await ops.keyboard.press('Tab');
    await expect(ops.evaluate('document.activeElement.textContent.trim()')).resolves.toBe('Skip to content');
    let focused = '';
    for (let presses = 0; presses < 10 && focused !== 'Approvals'; presses += 1) {
      await ops.keyboard.press('Tab');
      focused = String(await ops.evaluate('document.activeElement.textContent.trim()'));
    }
    expect(focused).toBe('Approvals');
    await ops.keyboard.press('Enter');
    await ops.waitForURL(/\/api\/console\/approvals$/);
    await ops.waitForFunction("document.activeElement !== null && document.activeElement.tagName === 'H1' && document.activeElement.textContent.trim() === 'Approvals'");
  }, 60_000);

  it('signs out at the identity provider and comes back to the sign-in page', async () => {
    await ops.getByRole('button', { name: 'Sign out' }).click();
    await ops.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(new URL(ops.url()).pathname).toBe('/api/console/');
  }, 60_000);

  it('met no script error and forwarded every request to the emulator', () => {
    expect(pageErrors).toEqual([]);
    expect(routingFailures.flat()).toEqual([]);
  });
});
