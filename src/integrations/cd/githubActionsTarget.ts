/**
 * GitHub Actions `workflow_dispatch`: `POST {api}/repos/{owner}/{repo}/actions/workflows/{workflow}/dispatches`
 * with `ref`, string `inputs` and `return_run_details: true`, authenticated by a token read from Key Vault. GitHub
 * then answers 200 with the run's id and URLs (GitHub changelog 2026-02-19; REST "Create a workflow dispatch event",
 * "Workflow Dispatch Response"); a server that predates it answers 204, and the run is reported by the workflow's
 * runs page.
 */
import { z } from 'zod';
import type { GithubActionsTarget } from '../../policy/policySchema.js';
import type { HttpClient, HttpResponse } from '../httpClient.js';
import type { SecretStore } from '../secrets.js';
import type { CdRunRequest, CdRunStarted, CdTargetAdapter } from './cdTarget.js';
import { assertTargetAccepted, stringifyParameters } from './targetResponse.js';

export const GITHUB_API_VERSION = '2022-11-28';

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
    body: JSON.stringify({ ref: target.ref, inputs: stringifyParameters(request.parameters), return_run_details: true }),
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
    assertTargetAccepted(response, this.description, { credentialHint: `check the token in Key Vault secret '${this.#target.tokenSecretName}' (expired, or without "Actions: write" on the repository)` });
    return runDetailsOf(response, call.link);
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
