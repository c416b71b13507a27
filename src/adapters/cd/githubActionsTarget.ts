/**
 * GitHub Actions `workflow_dispatch`: `POST {api}/repos/{owner}/{repo}/actions/workflows/{workflow}/dispatches`
 * with `ref`, string `inputs` and `return_run_details: true`, authenticated by a token read from Key Vault. GitHub
 * then answers 200 with the run's id and URLs (GitHub changelog 2026-02-19; REST "Create a workflow dispatch event",
 * "Workflow Dispatch Response"); a server that predates it answers 204, and the run is reported by the workflow's
 * runs page.
 *
 * GitHub takes no idempotency key. The key goes in as the input `idempotency_key`, and the workflow's `run-name`
 * shows it (`run-name: Model CD ${{ inputs.model_name }}:${{ inputs.model_version }} [${{ inputs.idempotency_key }}]`),
 * so that "List workflow runs for a workflow" finds the run by its `display_title` ("the value of run-name if it is
 * set"), filtered to `workflow_dispatch` runs created since the first attempt.
 */
import { z } from 'zod';
import type { GithubActionsTarget } from '../../policy/policySchema.js';
import type { HttpClient, HttpResponse } from '../http/httpClient.js';
import type { SecretStore } from '../keyvault/secrets.js';
import { AppError } from '../../errors.js';
import type { CdRunRequest, CdRunStarted, CdTargetAdapter, RunLookup } from '../../modelCd/ports.js';
import { assertTargetAccepted, stringifyParameters } from './targetResponse.js';

export const GITHUB_API_VERSION = '2022-11-28';
/** The `workflow_dispatch` input carrying the key (inputs are conventionally snake_case). */
export const GITHUB_KEY_INPUT = 'idempotency_key';
/** Pages of 100 runs looked through for a key: more runs than a day of dispatches of one workflow. */
const MAX_RUN_PAGES = 10;

const runTitle = z.object({ display_title: z.string().optional() });
const runPage = z.object({ workflow_runs: z.array(z.object({ id: z.number(), display_title: z.string().optional(), html_url: z.string() })) });

/** Where a workflow's API calls go, and its runs page on the web. */
interface WorkflowUrls {
  /** `…/repos/{owner}/{repo}/actions`. */
  readonly actions: string;
  /** `…/actions/workflows/{workflow}`. */
  readonly workflow: string;
  readonly webPage: string;
}

function workflowUrls(target: GithubActionsTarget): WorkflowUrls {
  const api = target.apiUrl.replace(/\/+$/, '');
  const repository = `${encodeURIComponent(target.owner)}/${encodeURIComponent(target.repo)}`;
  const workflow = encodeURIComponent(target.workflow);
  const web = api === 'https://api.github.com' ? 'https://github.com' : api.replace(/\/api\/v3$/, '');
  const actions = `${api}/repos/${repository}/actions`;
  return { actions, workflow: `${actions}/workflows/${workflow}`, webPage: `${web}/${repository}/actions/workflows/${workflow}` };
}

export interface GithubDispatchCall {
  readonly url: string;
  readonly body: string;
  /** The workflow's runs page on the web. */
  readonly link: string;
}

/** The dispatch request; pure so tests can pin its shape. */
export function githubDispatchCall(target: GithubActionsTarget, request: CdRunRequest): GithubDispatchCall {
  const urls = workflowUrls(target);
  return {
    url: `${urls.workflow}/dispatches`,
    body: JSON.stringify({ ref: target.ref, inputs: stringifyParameters({ ...request.parameters, [GITHUB_KEY_INPUT]: request.idempotencyKey }), return_run_details: true }),
    link: urls.webPage,
  };
}

/**
 * One page of "List workflow runs for a workflow": `workflow_dispatch` runs created since `since`. GitHub documents
 * `created` as ISO 8601 date-times to the second (`YYYY-MM-DDTHH:MM:SSZ`, "Understanding the search syntax").
 */
export function githubRunsUrl(target: GithubActionsTarget, since: Date, page: number): string {
  const created = `>=${since.toISOString().replace(/\.\d{3}Z$/, 'Z')}`;
  const query = new URLSearchParams({ event: 'workflow_dispatch', created, per_page: '100', page: String(page) });
  return `${workflowUrls(target).workflow}/runs?${query.toString()}`;
}

/** "Get a workflow run". */
export function githubRunUrl(target: GithubActionsTarget, runId: string): string {
  return `${workflowUrls(target).actions}/runs/${encodeURIComponent(runId)}`;
}

export interface GithubActionsTargetDeps {
  readonly http: HttpClient;
  readonly secrets: SecretStore;
}

export class GithubActionsCdTarget implements CdTargetAdapter {
  readonly kind = 'githubActions';
  readonly description: string;
  readonly #target: GithubActionsTarget;
  readonly #deps: GithubActionsTargetDeps;

  constructor(target: GithubActionsTarget, deps: GithubActionsTargetDeps) {
    this.#target = target;
    this.#deps = deps;
    this.description = `GitHub Actions ${target.owner}/${target.repo} workflow ${target.workflow}`;
  }

  async startRun(request: CdRunRequest): Promise<CdRunStarted> {
    const call = githubDispatchCall(this.#target, request);
    const token = await this.#deps.secrets.getSecret(this.#target.tokenSecretName);
    const response = await this.#deps.http.request({
      method: 'POST',
      url: call.url,
      headers: { 'content-type': 'application/json', ...this.#headers(token) },
      body: call.body,
    });
    assertTargetAccepted(response, this.description, {
      credentialHint: `check the token in Key Vault secret '${this.#target.tokenSecretName}' (expired, or without "Actions: write" on the repository)`,
      keyParameter: GITHUB_KEY_INPUT,
    });
    const run = runDetailsOf(response, call.link);
    return { ...run, ...(await this.#whyNotFindable(run, request.idempotencyKey, token)) };
  }

  /**
   * Whether the run can be found again by its key: its `display_title` (the workflow's `run-name`) must show it.
   * A server that answers without run details cannot be asked which run it started.
   */
  async #whyNotFindable(run: CdRunStarted, idempotencyKey: string, token: string): Promise<{ notFindable?: string }> {
    if (run.runId === undefined) {
      return { notFindable: 'GitHub answered without the run it started (a server without return_run_details), so the run could not be checked; make sure the workflow\'s run-name shows ${{ inputs.idempotency_key }}' };
    }
    let title: string | undefined;
    try {
      const response = await this.#deps.http.request({ method: 'GET', url: githubRunUrl(this.#target, run.runId), headers: this.#headers(token) });
      assertTargetAccepted(response, this.description, { credentialHint: `check the token in Key Vault secret '${this.#target.tokenSecretName}'` });
      title = runTitle.safeParse(response.json()).data?.display_title;
    } catch (error) {
      // The run is started: a failed check must not fail (and so repeat) the start.
      return { notFindable: `the run's title could not be read to check it (${error instanceof Error ? error.message : 'unknown error'})` };
    }
    if (title?.includes(idempotencyKey) === true) return {};
    return { notFindable: `its run title does not show the idempotency key; add it to the workflow's run-name: run-name: Model CD \${{ inputs.model_name }}:\${{ inputs.model_version }} [\${{ inputs.${GITHUB_KEY_INPUT} }}]` };
  }

  #headers(token: string): Record<string, string> {
    return { accept: 'application/vnd.github+json', 'x-github-api-version': GITHUB_API_VERSION, authorization: `Bearer ${token}` };
  }

  async findRun(idempotencyKey: string, since: Date): Promise<RunLookup> {
    const token = await this.#deps.secrets.getSecret(this.#target.tokenSecretName);
    for (let page = 1; page <= MAX_RUN_PAGES; page += 1) {
      const response = await this.#deps.http.request({ method: 'GET', url: githubRunsUrl(this.#target, since, page), headers: this.#headers(token) });
      assertTargetAccepted(response, this.description, { credentialHint: `check the token in Key Vault secret '${this.#target.tokenSecretName}'` });
      const parsed = runPage.safeParse(response.json());
      if (!parsed.success) throw new AppError('UpstreamPermanent', `${this.description} listed its runs in an unexpected shape`, { module: 'cd' });
      const run = parsed.data.workflow_runs.find((candidate) => candidate.display_title?.includes(idempotencyKey) === true);
      if (run !== undefined) return { kind: 'found', run: { runId: String(run.id), link: run.html_url } };
      if (parsed.data.workflow_runs.length < 100) return { kind: 'none' };
    }
    return { kind: 'none' };
  }

}

const runDetails = z.object({ workflow_run_id: z.number().int(), html_url: z.string().min(1), run_url: z.string().optional() });

/** The run GitHub reports when it returns run details; the workflow's runs page when it answers 204. */
export function runDetailsOf(response: HttpResponse, workflowPage: string): CdRunStarted {
  if (response.status === 204 || response.bodyText.trim() === '') return { runId: undefined, link: workflowPage };
  const parsed = runDetails.safeParse(response.json());
  if (!parsed.success) return { runId: undefined, link: workflowPage };
  return { runId: String(parsed.data.workflow_run_id), link: parsed.data.html_url };
}
