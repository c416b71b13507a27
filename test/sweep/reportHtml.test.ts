/**
 * The sweep report as a page and as markdown, rendered from a real sweep: the playground (its gpu-cluster breaks
 * the scaling policy), a second subscription, a cluster whose tag values carry markup, and a workspace ARM refuses —
 * swept against the emulator and Azurite, then opened in Chromium from a file with every request but the file's
 * own refused.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLAYGROUND_JOB } from '../../dev/emulator/jobSeed.js';
import { bulkSubscriptionId, seedBulk } from '../../dev/emulator/seed.js';
import { renderReportHtml } from '../../src/sweep/reportHtml.js';
import { escapeMarkdown, formatReportMarkdown } from '../../src/sweep/reportMarkdown.js';
import { complianceOf, emptyCounts, type SweepReport } from '../../src/sweep/sweepReport.js';
import { launchChromium, type LaunchedChromium } from '../helpers/chromium.js';
import { SUB, WORKSPACE_ID, computeIdOf, quietLog, startGovernanceKit, type GovernanceKit } from '../helpers/governanceKit.js';
import { repositoryRoot } from '../helpers/repositoryRoot.js';
import { sweepInThisProcess } from '../helpers/sweepDriver.js';

const OUT = join(repositoryRoot, '.aml-warden', 'screenshots');
const HTML_FILE = join(OUT, 'report.html');
const SCREENSHOT = join(OUT, 'report.png');
const TITLE = 'report under test';

/** Tag values are whatever people typed: markup that must stay text. */
const HOSTILE_OWNER = `<script>document.title='injected'</script>`;
const HOSTILE_ENVIRONMENT = `<img src=x onerror="document.title='injected'"> | staging`;
const LOCKED_ID = WORKSPACE_ID.replace(/mlw-demo$/, 'mlw-locked');
const BENCH = bulkSubscriptionId(1);

const studio = 'https://ml.azure.com';
const wsid = (workspaceId: string) => encodeURIComponent(workspaceId);

let kit: GovernanceKit;
let report: SweepReport;
let chromium: LaunchedChromium;
let context: BrowserContext;
let page: Page;
/** Every request the page made, and those refused. */
const requests: string[] = [];
const refused: string[] = [];
const consoleErrors: string[] = [];

/** A real sweep in audit mode over the playground, a second subscription, a hostile-tagged cluster and a forbidden workspace. */
async function sweptReport(): Promise<SweepReport> {
  const state = kit.emulator.state;
  seedBulk(state, { workspaces: 1, computesPerWorkspace: 2, subscriptions: 1 }, new Date());
  // The seeded online endpoint and its deployments have their own report tests (onlineEndpointSweep.test.ts).
  state.delete(`${WORKSPACE_ID}/onlineEndpoints/churn-endpoint`);
  state.delete(`${WORKSPACE_ID}/jobs/${PLAYGROUND_JOB.disallowedInstanceType}`);
  const cpu = state.get(computeIdOf('cpu-cluster'));
  const workspace = state.get(WORKSPACE_ID);
  if (cpu === undefined || workspace === undefined) throw new Error('the playground is not seeded');
  state.put({ ...structuredClone(cpu), id: computeIdOf('tagged-cluster'), name: 'tagged-cluster', tags: { owner: HOSTILE_OWNER, 'cost-center': 'cc-1234', environment: HOSTILE_ENVIRONMENT } });
  state.put({ ...structuredClone(workspace), id: LOCKED_ID, name: 'mlw-locked' });
  kit.emulator.injectFault({ method: 'GET', path: 'workspaces/mlw-locked/computes$', status: 403, times: 100, body: { error: { code: 'AuthorizationFailed', message: 'no access' } } });
  const app = kit.app((policy) => policy.replace('mode: enforce', 'mode: audit').replace(`subscriptions: [${SUB}]`, `subscriptions: [${SUB}, ${BENCH}]`));
  const driven = await sweepInThisProcess(app.sweep, quietLog);
  if (driven.report === undefined) throw new Error('the sweep stored no report');
  return driven.report;
}

beforeAll(async () => {
  [kit, chromium] = await Promise.all([startGovernanceKit(), launchChromium()]);
  report = await sweptReport();
  mkdirSync(OUT, { recursive: true });
  writeFileSync(HTML_FILE, renderReportHtml(report).replace(/<title>[^<]*<\/title>/, `<title>${TITLE}</title>`));

  context = await chromium.browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  const fileUrl = pathToFileURL(HTML_FILE).href;
  page.on('request', (request) => requests.push(request.url()));
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  await context.route('**/*', async (route) => {
    if (route.request().url() === fileUrl) return route.continue();
    refused.push(route.request().url());
    return route.abort('blockedbyclient');
  });
  await page.goto(fileUrl, { waitUntil: 'load' });
});

afterAll(async () => {
  await context?.close();
  await chromium?.close();
  await kit?.close();
});

describe('the sweep report as an HTML page', () => {
  it('opens from a file without a single request leaving it', async () => {
    expect(requests).toEqual([pathToFileURL(HTML_FILE).href]);
    expect(refused).toEqual([]);
    expect(consoleErrors).toEqual([]);
    // The guard is live: a request that would leave is refused before it is sent.
    const probe = await context.newPage();
    await expect(probe.goto(`${studio}/`)).rejects.toThrow(/ERR_BLOCKED_BY_CLIENT/);
    expect(refused).toEqual([`${studio}/`]);
    await probe.close();
  });

  it('heads with the run, its mode and status, and the compliance rate over what was evaluated', async () => {
    // mlw-demo, cpu-cluster, mlw-bench-0001 and its cluster-01 comply; gpu-cluster, ci-no-schedule, tagged-cluster and cluster-02 do not.
    expect(report.totals).toMatchObject({ resources: 8, compliant: 4, violations: 4 });
    const header = await page.locator('header').innerText();
    expect(header).toContain(report.runId);
    expect(header).toMatch(/Status\s+Completed/);
    expect(header).toContain("each rule's own mode");
    expect(header).toContain(`${report.startedAt.slice(0, 19).replace('T', ' ')}`);
    expect(header).toContain(SUB);
    expect(header).toContain(BENCH);
    await expect.poll(() => page.locator('.rate strong').innerText()).toBe('50.0%');
    const tiles = await page.locator('ul.tiles li').allInnerTexts();
    expect(tiles.map((tile) => tile.replace(/\s+/g, ' ').trim())).toEqual(
      expect.arrayContaining(['3 Workspaces', '8 Resources', '4 Compliant', '4 Non-compliant', '1 Unreadable workspaces']),
    );
  });

  it('draws compliance charts per subscription and per workspace as visible SVG, with their values as text', async () => {
    for (const id of ['chart-overall', 'chart-subscriptions', 'chart-workspaces']) {
      const chart = page.locator(`svg#${id}`);
      await expect.poll(() => chart.isVisible()).toBe(true);
      const box = await chart.boundingBox();
      expect(box?.width).toBeGreaterThan(300);
      expect(box?.height).toBeGreaterThan(20);
      expect(await chart.getAttribute('role')).toBe('img');
      expect(await chart.locator('rect.seg').count()).toBeGreaterThan(0);
    }
    const workspaces = page.locator('svg#chart-workspaces');
    expect(await workspaces.locator('title').first().textContent()).toBe('Resources needing attention by workspace');
    expect(await workspaces.locator('desc').textContent()).toBe('mlw-demo: 3 needing attention (3 open); mlw-bench-0001: 1 needing attention (1 open); mlw-locked: 0 needing attention, unreadable');
    expect(await workspaces.locator('text.chart-value').allTextContents()).toEqual(['3 needing attention', '1 needing attention', '0 needing attention, unreadable']);
    const bar = await workspaces.locator('rect.seg-violations').first().boundingBox();
    expect(bar?.width).toBeGreaterThan(50);
    expect(await page.locator('svg#chart-subscriptions desc').textContent()).toBe(`${SUB}: 3 needing attention, 1 unreadable (3 open); ${BENCH}: 1 needing attention (1 open)`);
  });

  it("groups findings by rule and shows gpu-cluster's expected and actual values, worded by their relation", async () => {
    const cells = async (rule: string, resource: string) => {
      const row = page.locator('article.rule', { has: page.locator('h3 code', { hasText: new RegExp(`^${rule.replace('.', '\\.')}$`) }) }).locator('tbody tr', { hasText: resource });
      await expect.poll(() => row.count()).toBe(1);
      return (await row.locator('td').allInnerTexts()).map((cell) => cell.trim());
    };
    const vmSize = await cells('scaling.vmSize', 'gpu-cluster');
    expect(vmSize.slice(2, 6)).toEqual(['one of Standard_DS2_v2, Standard_DS3_v2, Standard_DS4_v2, Standard_NC4as_T4_v3', 'Standard_NC24', 'no', 'open']);
    expect(vmSize[6]).toContain("a cluster's VM size cannot change");
    expect((await cells('scaling.nodeIdleTimeBeforeScaleDown', 'gpu-cluster')).slice(2, 5)).toEqual(['at most PT30M', 'PT2H', 'yes']);
    expect((await cells('scaling.maxNodeCount', 'gpu-cluster')).slice(2, 5)).toEqual(['at most 4', '20', 'yes']);
    expect((await cells('scaling.minNodeCount', 'gpu-cluster')).slice(2, 5)).toEqual(['0', '1', 'yes']);
    expect((await cells('tags.required:environment', 'gpu-cluster')).slice(2, 4)).toEqual(['a value (one of dev, test, prod)', 'nothing']);
    const heading = await page.locator('article.rule h3', { hasText: 'scaling.remoteLoginPortPublicAccess' }).innerText();
    expect(heading).toMatch(/high\s+2 finding\(s\)/i);
    // High-severity rules come first.
    expect(await page.locator('article.rule h3 .severity').first().innerText()).toMatch(/high/i);
  });

  it('links each workspace and compute to its Azure ML studio page', async () => {
    const gpu = page.getByRole('link', { name: 'Open compute gpu-cluster in Azure ML studio' }).first();
    expect(await gpu.getAttribute('href')).toBe(`${studio}/compute/gpu-cluster/details?wsid=${wsid(WORKSPACE_ID)}`);
    const workspace = page.getByRole('link', { name: 'Open workspace mlw-demo in Azure ML studio' }).first();
    expect(await workspace.getAttribute('href')).toBe(`${studio}/?wsid=${wsid(WORKSPACE_ID)}`);
    const locked = page.locator('section', { has: page.locator('#problems-heading') }).getByRole('link', { name: 'Open workspace mlw-locked in Azure ML studio' });
    expect(await locked.getAttribute('href')).toBe(`${studio}/?wsid=${wsid(LOCKED_ID)}`);
    expect(await locked.getAttribute('rel')).toBe('noopener noreferrer');
  });

  it('lists the workspace ARM refused, with its error', async () => {
    const problems = await page.locator('section', { has: page.locator('#problems-heading') }).locator('tbody tr').allInnerTexts();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('mlw-locked');
    expect(problems[0]).toContain('unreadable');
    expect(problems[0]).toContain('403 AuthorizationFailed');
  });

  it('shows markup from tag values as text and runs none of it', async () => {
    expect(await page.title()).toBe(TITLE);
    expect(await page.locator('script').count()).toBe(0);
    expect(await page.locator('img').count()).toBe(0);
    const row = page.locator('article.rule', { has: page.locator('h3 code', { hasText: 'tags.allowedValues:environment' }) }).locator('tbody tr', { hasText: 'tagged-cluster' });
    expect(await row.locator('td.actual').innerText()).toBe(HOSTILE_ENVIRONMENT);
    expect(await row.locator('td').nth(1).innerText()).toContain(`owner: ${HOSTILE_OWNER}`);
  });

  it('follows a dark colour scheme and prints on white', async () => {
    const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await page.emulateMedia({ colorScheme: 'light' });
    expect(await background()).toBe('rgb(255, 255, 255)');
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await background()).toBe('rgb(13, 17, 23)');
    await page.emulateMedia({ media: 'print', colorScheme: 'dark' });
    expect(await background()).toBe('rgb(255, 255, 255)');
    await page.emulateMedia({ media: 'screen', colorScheme: 'light' });
  });

  it('takes a full-page screenshot', async () => {
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    const png = readFileSync(SCREENSHOT);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    // IHDR: width and height, big-endian, right after the signature and the chunk's length and type.
    // The viewport's width, less the scrollbar's.
    expect(png.readUInt32BE(16)).toBeGreaterThan(1200);
    expect(png.readUInt32BE(20)).toBeGreaterThan(1500);
    expect(statSync(SCREENSHOT).size).toBeGreaterThan(50_000);
  });
});

describe('the sweep report as markdown', () => {
  const unescapedPipes = (line: string) => line.replace(/\\\\/g, '').replace(/\\\|/g, '').split('|').length - 1;

  it("tabulates gpu-cluster's findings with expected and actual values and studio links", () => {
    const markdown = formatReportMarkdown(report);
    expect(markdown).toContain(`## Compliance sweep ${report.runId}`);
    expect(markdown).toContain('**Compliance: 50.0%**');
    expect(markdown).toContain('#### scaling.vmSize — medium, 2 finding(s)');
    expect(markdown).toContain(
      `| [mlw-demo](${studio}/?wsid=${wsid(WORKSPACE_ID)}) | [gpu-cluster](${studio}/compute/gpu-cluster/details?wsid=${wsid(WORKSPACE_ID)}) | mlops-team@contoso.com | one of Standard\\_DS2\\_v2, Standard\\_DS3\\_v2, Standard\\_DS4\\_v2, Standard\\_NC4as\\_T4\\_v3 | Standard\\_NC24 | no | open | a cluster's VM size cannot change: create a cluster with an allowed size, move its workloads, then delete this one |`,
    );
    expect(markdown).toContain('| at most PT30M | PT2H | yes | open |');
    expect(markdown).toContain(`| [mlw-locked](${studio}/?wsid=${wsid(LOCKED_ID)}) | ${SUB} | **unreadable** | Listing the computes of workspace 'mlw-locked' failed: 403 AuthorizationFailed |`);
  });

  it('escapes markup and pipes, so every table row keeps its columns', () => {
    const markdown = formatReportMarkdown(report);
    expect(markdown).not.toContain('<script>');
    expect(markdown).not.toContain('<img');
    expect(markdown).toContain(escapeMarkdown(HOSTILE_ENVIRONMENT));
    expect(escapeMarkdown(HOSTILE_ENVIRONMENT)).toBe(`&lt;img src=x onerror="document.title='injected'"&gt; \\| staging`);
    const lines = markdown.split('\n');
    let columns: number | undefined;
    for (const line of lines) {
      if (!line.startsWith('|')) {
        columns = undefined;
        continue;
      }
      columns ??= unescapedPipes(line);
      expect(unescapedPipes(line), line).toBe(columns);
    }
  });
});

describe('reports the page and the markdown meet besides a fresh sweep', () => {
  it('a report stored before findings were kept lists each resource under its rules, expected and actual not recorded', () => {
    const older: SweepReport = { ...report, lines: report.lines.map(({ findings: _kept, ...line }) => line) };
    const page = renderReportHtml(older);
    expect(page).toContain('<code>scaling.vmSize</code> <span class="severity severity-unknown">unknown</span> <span class="muted">2 finding(s)</span>');
    expect(page).toContain('<span class="muted">not recorded</span>');
    const markdown = formatReportMarkdown(older);
    expect(markdown).toContain('#### scaling.vmSize — severity unknown, 2 finding(s)');
    expect(markdown).toContain(`| [gpu-cluster](${studio}/compute/gpu-cluster/details?wsid=${wsid(WORKSPACE_ID)}) | mlops-team@contoso.com | _not recorded_ | _not recorded_ | _not recorded_ | open |  |`);
  });

  it('a sweep that evaluated nothing reads n/a, not 100%', () => {
    const totals = { ...emptyCounts(), resources: 3, outOfScope: 3 };
    const nothing: SweepReport = { ...report, totals, ...complianceOf(totals), lines: [], problems: [], violationsByRule: {}, violationsByOwner: {} };
    expect(nothing.complianceRate).toBeNull();
    const page = renderReportHtml(nothing);
    expect(page).toContain('<strong>n/a</strong> <span>nothing was evaluated');
    expect(page).not.toContain('100.0%');
    expect(page).toContain('Every workspace swept is compliant.');
    expect(formatReportMarkdown(nothing)).toContain('**Compliance: n/a**: nothing was evaluated');
  });

  it("links to the configured studio (a sovereign cloud's), and refuses one that is not https", () => {
    const government = 'https://ml.azure.us';
    expect(renderReportHtml(report, { studioUrl: `${government}/` })).toContain(`href="${government}/compute/gpu-cluster/details?wsid=${wsid(WORKSPACE_ID)}"`);
    expect(formatReportMarkdown(report, { studioUrl: government })).toContain(`[gpu-cluster](${government}/compute/gpu-cluster/details?wsid=${wsid(WORKSPACE_ID)})`);
    expect(() => renderReportHtml(report, { studioUrl: 'javascript:alert(1)' })).toThrow(/^studioUrl: must be an https URL/);
    expect(() => formatReportMarkdown(report, { studioUrl: 'ml.azure.com' })).toThrow(/^studioUrl: 'ml.azure.com' is not a URL/);
  });
});
