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
import type { HttpClient, HttpResponse } from '../httpClient.js';
import type { SecretStore } from '../secrets.js';
import { AppError } from '../../errors.js';
import type { CdRunRequest, CdRunStarted, CdTargetAdapter, RunLookup } from './cdTarget.js';
import { assertTargetAccepted, stringifyParameters } from './targetResponse.js';

export const GITHUB_API_VERSION = '2022-11-28';
/** The `workflow_dispatch` input carrying the key (inputs are conventionally snake_case). */
export const GITHUB_KEY_INPUT = 'idempotency_key';
/** Pages of 100 runs looked through for a key: more runs than a day of dispatches of one workflow. */
const MAX_RUN_PAGES = 10;

const runPage = z.object({ workflow_runs: z.array(z.object({ id: z.number(), display_title: z.string().optional(), html_url: z.string() })) });

export interface GithubDispatchCall {
  readonly url: string;
  readonly body: string;
  /** The workflow's runs page on the web. */
  readonly link: string;
}

/** The dispatch request; pure so tests can pin its shape. */
export function githubDispatchCall(target: GithubActionsTarget, request: CdRunRequest): GithubDispatchCall {
  const api = target.apiUrl.replace(/\/+$/, '');
  const repository = `${encodeURIComponent(target.owner)}/${encodeURIComponent(target.repo)}`;
  const workflow = encodeURIComponent(target.workflow);
  const web = api === 'https://api.github.com' ? 'https://github.com' : api.replace(/\/api\/v3$/, '');
  return {
    url: `${api}/repos/${repository}/actions/workflows/${workflow}/dispatches`,
    body: JSON.stringify({ ref: target.ref, inputs: stringifyParameters({ ...request.parameters, [GITHUB_KEY_INPUT]: request.idempotencyKey }), return_run_details: true }),
    link: `${web}/${repository}/actions/workflows/${workflow}`,
  };
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
      headers: {
        'content-type': 'application/json',
        accept: 'application/vnd.github+json',
        'x-github-api-version': GITHUB_API_VERSION,
        authorization: `Bearer ${token}`,
      },
      body: call.body,
    });
    assertTargetAccepted(response, this.description, {
      credentialHint: `check the token in Key Vault secret '${this.#target.tokenSecretName}' (expired, or without "Actions: write" on the repository)`,
      keyParameter: GITHUB_KEY_INPUT,
    });
    return runDetailsOf(response, call.link);
  }

  async findRun(idempotencyKey: string, since: Date): Promise<RunLookup> {
    const api = this.#target.apiUrl.replace(/\/+$/, '');
    const workflow = `${api}/repos/${encodeURIComponent(this.#target.owner)}/${encodeURIComponent(this.#target.repo)}/actions/workflows/${encodeURIComponent(this.#target.workflow)}/runs`;
    const token = await this.#deps.secrets.getSecret(this.#target.tokenSecretName);
    for (let page = 1; page <= MAX_RUN_PAGES; page += 1) {
      const query = new URLSearchParams({ event: 'workflow_dispatch', created: `>=${since.toISOString()}`, per_page: '100', page: String(page) });
      const response = await this.#deps.http.request({
        method: 'GET',
        url: `${workflow}?${query.toString()}`,
        headers: { accept: 'application/vnd.github+json', 'x-github-api-version': GITHUB_API_VERSION, authorization: `Bearer ${token}` },
      });
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
