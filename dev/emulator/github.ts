/**
 * GitHub Actions REST API: `workflow_dispatch` and the runs it creates, under `/github`.
 *
 * `POST /github/repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches` body `{ref, inputs?,
 * return_run_details?}` → 204, as GitHub answers, or with `return_run_details: true` → 200 `{workflow_run_id,
 * run_url, html_url}` (GitHub changelog 2026-02-19 "workflow dispatch API now returns run ids"; github/docs REST data
 * `fpt-2022-11-28/actions.json`, "Workflow Dispatch Response"); validation failures → 422 like GitHub's; a missing or wrong token → 401 `Bad credentials`
 * (the token is the emulated Key Vault's `github-token` secret). `GET .../actions/runs`, `GET .../actions/workflows`
 * and `GET .../actions/workflows/{workflow_id}/runs` list what was dispatched.
 *
 * State: one `GitHubState` per emulator context (`gitHubStateFor(context)`, also returned by `mount`):
 * the playground's workflows and the runs dispatched; `reset()` forgets the runs.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import type { EmulatorContext } from './context.js';
import { secretVaultFor } from './keyvault.js';
import type { EmulatorRequest, EmulatorResponse, Router } from './router.js';

export const GITHUB_TOKEN_SECRET_NAME = 'github-token';
/** GitHub's limit on `workflow_dispatch` inputs. */
export const MAX_DISPATCH_INPUTS = 25;
const DOCS = 'https://docs.github.com/rest/actions/workflows#create-a-workflow-dispatch-event';

export interface WorkflowDefinition {
  readonly owner: string;
  readonly repo: string;
  readonly id: number;
  /** The file name under `.github/workflows/`, which callers may use instead of the id. */
  readonly file: string;
  readonly name: string;
  /** The `workflow_dispatch` inputs the YAML declares; none declared (`[]`) refuses every input, as GitHub does. */
  readonly inputs: readonly string[];
  /** The YAML's `run-name`, with `${{ inputs.x }}` expressions; a run's `display_title` (default: the workflow's name). */
  readonly runName?: string;
}

/** The playground's workflows, with the YAML a model CD workflow needs so that a run can be found by the app's key. */
export const PLAYGROUND_WORKFLOWS: readonly WorkflowDefinition[] = [
  {
    owner: 'contoso',
    repo: 'mlops-cd',
    id: 161335,
    file: 'model-cd.yml',
    name: 'Model CD',
    inputs: ['model_name', 'model_version', 'workspace_id', 'idempotency_key'],
    runName: 'Model CD ${{ inputs.model_name }}:${{ inputs.model_version }} [${{ inputs.idempotency_key }}]',
  },
  {
    owner: 'contoso',
    repo: 'mlops-cd',
    id: 161336,
    file: 'retrain.yml',
    name: 'Retrain',
    // What a legacy drift event passes (src/modelCd/onDriftDetected.ts) and what a model monitor's alert passes
    // (src/modelCd/onMonitorAlert.ts); a run gets one set or the other.
    inputs: [
      'workspaceId',
      'dataDriftName',
      'driftRunId',
      'targetDatasetId',
      'driftCoefficient',
      'monitorName',
      'alertRule',
      'metricName',
      'windowStartTime',
      'windowEndTime',
      'idempotency_key',
    ],
    runName: 'Retrain ${{ inputs.monitorName }}${{ inputs.dataDriftName }} [${{ inputs.idempotency_key }}]',
  },
];

/** A run's `display_title`: the workflow's `run-name` with its `inputs` expressions expanded (github/docs `workflow-syntax.md`). */
export function displayTitleOf(workflow: WorkflowDefinition, inputs: Readonly<Record<string, string>>): string {
  if (workflow.runName === undefined) return workflow.name;
  return workflow.runName.replace(/\$\{\{\s*inputs\.([A-Za-z_][\w-]*)\s*\}\}/g, (_, name: string) => inputs[name] ?? '');
}

export interface WorkflowRun {
  readonly id: number;
  readonly owner: string;
  readonly repo: string;
  readonly workflowId: number;
  readonly name: string;
  readonly path: string;
  readonly ref: string;
  readonly inputs: Readonly<Record<string, string>>;
  readonly displayTitle: string;
  readonly event: 'workflow_dispatch';
  readonly status: 'queued';
  readonly createdAt: string;
  readonly runNumber: number;
}

export class GitHubState {
  readonly #now: () => Date;
  #workflows: WorkflowDefinition[] = [...PLAYGROUND_WORKFLOWS];
  #runs: WorkflowRun[] = [];
  #nextRunId = 1;

  constructor(now: () => Date = () => new Date()) {
    this.#now = now;
  }

  reset(): void {
    this.#workflows = [...PLAYGROUND_WORKFLOWS];
    this.#runs = [];
    this.#nextRunId = 1;
  }

  /** Adds (or replaces, by id) a workflow, for tests of other YAML; `reset` goes back to the playground's. */
  addWorkflow(workflow: WorkflowDefinition): void {
    this.#workflows = [...this.#workflows.filter((existing) => !(sameRepo(existing, workflow.owner, workflow.repo) && existing.id === workflow.id)), workflow];
  }

  workflows(owner: string, repo: string): WorkflowDefinition[] {
    return this.#workflows.filter((workflow) => sameRepo(workflow, owner, repo));
  }

  /** By numeric id or file name, as GitHub resolves `workflow_id`. */
  workflow(owner: string, repo: string, idOrFile: string): WorkflowDefinition | undefined {
    return this.workflows(owner, repo).find((workflow) => String(workflow.id) === idOrFile || workflow.file.toLowerCase() === idOrFile.toLowerCase());
  }

  hasRepo(owner: string, repo: string): boolean {
    return this.workflows(owner, repo).length > 0;
  }

  dispatch(workflow: WorkflowDefinition, ref: string, inputs: Record<string, string>): WorkflowRun {
    const run: WorkflowRun = {
      id: this.#nextRunId++,
      owner: workflow.owner,
      repo: workflow.repo,
      workflowId: workflow.id,
      name: workflow.name,
      path: `.github/workflows/${workflow.file}`,
      ref,
      inputs: { ...inputs },
      displayTitle: displayTitleOf(workflow, inputs),
      event: 'workflow_dispatch',
      status: 'queued',
      createdAt: this.#now().toISOString(),
      runNumber: this.#runs.filter((existing) => existing.workflowId === workflow.id).length + 1,
    };
    this.#runs.push(run);
    return run;
  }

  /** Every dispatched run, oldest first. */
  runs(filter: { owner?: string; repo?: string; workflowId?: number } = {}): WorkflowRun[] {
    return this.#runs.filter(
      (run) =>
        (filter.owner === undefined || run.owner.toLowerCase() === filter.owner.toLowerCase()) &&
        (filter.repo === undefined || run.repo.toLowerCase() === filter.repo.toLowerCase()) &&
        (filter.workflowId === undefined || run.workflowId === filter.workflowId),
    );
  }
}

const states = new WeakMap<EmulatorContext, GitHubState>();

export function gitHubStateFor(context: EmulatorContext): GitHubState {
  let state = states.get(context);
  if (!state) {
    state = new GitHubState(() => context.now());
    states.set(context, state);
  }
  return state;
}

const dispatchBody = z.object({
  ref: z.string({ error: '"ref" wasn\'t supplied.' }).min(1, '"ref" wasn\'t supplied.'),
  return_run_details: z.boolean({ error: "For 'properties/return_run_details', it is not a boolean." }).optional(),
  inputs: z
    .record(z.string(), z.unknown())
    .optional()
    .superRefine((inputs, refinement) => {
      if (!inputs) return;
      for (const [name, value] of Object.entries(inputs)) {
        if (typeof value !== 'string') refinement.addIssue({ code: 'custom', message: `For 'properties/${name}', ${JSON.stringify(value)} is not a string.` });
      }
      const count = Object.keys(inputs).length;
      if (count > MAX_DISPATCH_INPUTS) refinement.addIssue({ code: 'custom', message: `you may only define up to ${MAX_DISPATCH_INPUTS} \`inputs\` for a \`workflow_dispatch\` event (got ${count}).` });
    })
    .transform((inputs) => Object.fromEntries(Object.entries(inputs ?? {}).filter((entry): entry is [string, string] => typeof entry[1] === 'string'))),
});

export function mount(router: Router, context: EmulatorContext): GitHubState {
  const state = gitHubStateFor(context);
  const repoPath = '/github/repos/{owner}/{repo}/actions';

  const guarded =
    (handler: (request: EmulatorRequest, owner: string, repo: string) => EmulatorResponse) =>
    (request: EmulatorRequest): EmulatorResponse => {
      if (!authenticated(request.headers, context)) return gitHubError(401, 'Bad credentials', 'https://docs.github.com/rest');
      const owner = request.params.owner ?? '';
      const repo = request.params.repo ?? '';
      if (!state.hasRepo(owner, repo)) return gitHubError(404, 'Not Found', DOCS);
      return handler(request, owner, repo);
    };

  router.add(
    'POST',
    `${repoPath}/workflows/{workflowId}/dispatches`,
    guarded((request, owner, repo) => {
      const workflow = state.workflow(owner, repo, request.params.workflowId ?? '');
      if (!workflow) return gitHubError(404, 'Not Found', DOCS);
      if (typeof request.body !== 'object' || request.body === null || Array.isArray(request.body)) {
        return gitHubError(400, 'Problems parsing JSON', DOCS);
      }
      const parsed = dispatchBody.safeParse(request.body);
      if (!parsed.success) {
        return gitHubError(422, `Invalid request.\n\n${parsed.error.issues.map((issue) => issue.message).join('\n')}`, DOCS);
      }
      // GitHub refuses inputs the workflow does not declare, also when it declares none: 422 "Unexpected inputs
      // provided: [...]" with this documentation_url, as callers report it (e.g. convictional/trigger-workflow-and-wait
      // #4, benc-uk/workflow-dispatch #80); the REST reference only says inputs are those "configured in the workflow file".
      const unexpected = Object.keys(parsed.data.inputs).filter((name) => !workflow.inputs.includes(name));
      if (unexpected.length > 0) return gitHubError(422, `Unexpected inputs provided: ${JSON.stringify(unexpected)}`, DOCS);
      const run = state.dispatch(workflow, parsed.data.ref, parsed.data.inputs);
      if (parsed.data.return_run_details !== true) return { status: 204 };
      const details = runOf(context.baseUrl, run);
      return { status: 200, body: { workflow_run_id: run.id, run_url: details['url'], html_url: details['html_url'] } };
    }),
  );

  router.add(
    'GET',
    `${repoPath}/workflows`,
    guarded((_request, owner, repo) => {
      const workflows = state.workflows(owner, repo).map((workflow) => workflowOf(context.baseUrl, workflow));
      return { status: 200, body: { total_count: workflows.length, workflows } };
    }),
  );

  router.add(
    'GET',
    `${repoPath}/runs`,
    guarded((request, owner, repo) => runList(context.baseUrl, request, state.runs({ owner, repo }))),
  );

  // "Get a workflow run" (github/docs REST `actions/workflow-runs`).
  router.add(
    'GET',
    `${repoPath}/runs/{runId}`,
    guarded((request, owner, repo) => {
      const run = state.runs({ owner, repo }).find((candidate) => String(candidate.id) === request.params.runId);
      return run === undefined ? gitHubError(404, 'Not Found', 'https://docs.github.com/rest/actions/workflow-runs#get-a-workflow-run') : { status: 200, body: runOf(context.baseUrl, run) };
    }),
  );

  router.add(
    'GET',
    `${repoPath}/workflows/{workflowId}/runs`,
    guarded((request, owner, repo) => {
      const workflow = state.workflow(owner, repo, request.params.workflowId ?? '');
      if (!workflow) return gitHubError(404, 'Not Found', DOCS);
      return runList(context.baseUrl, request, state.runs({ owner, repo, workflowId: workflow.id }));
    }),
  );

  return state;
}

/** GitHub accepts `Bearer` and the older `token` scheme. */
function authenticated(headers: IncomingHttpHeaders, context: EmulatorContext): boolean {
  const presented = /^(?:Bearer|token)\s+(\S+)\s*$/i.exec(headers.authorization ?? '')?.[1];
  const expected = secretVaultFor(context).currentValue(GITHUB_TOKEN_SECRET_NAME);
  if (!presented || !expected) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * "List workflow runs": filters `event`, `status` and `created` (`>=DATE`, `<=DATE` or `DATE..DATE`), newest first, paged
 * by `per_page` (at most 100) and `page` (github/docs REST `actions/workflow-runs`).
 */
function runList(baseUrl: string, request: EmulatorRequest, runs: readonly WorkflowRun[]): EmulatorResponse {
  const event = request.query.get('event');
  const status = request.query.get('status');
  const created = createdRange(request.query.get('created'));
  const perPage = Math.min(100, Math.max(1, Number(request.query.get('per_page') ?? '30') || 30));
  const page = Math.max(1, Number(request.query.get('page') ?? '1') || 1);
  const selected = runs.filter((run) => (!event || run.event === event) && (!status || run.status === status) && run.createdAt >= created.from && run.createdAt <= created.to);
  const workflowRuns = [...selected]
    .reverse()
    .slice((page - 1) * perPage, page * perPage)
    .map((run) => runOf(baseUrl, run));
  return { status: 200, body: { total_count: selected.length, workflow_runs: workflowRuns } };
}

function createdRange(filter: string | null): { from: string; to: string } {
  const all = { from: '', to: '\uffff' };
  if (filter === null || filter === '') return all;
  if (filter.startsWith('>=')) return { ...all, from: filter.slice(2) };
  if (filter.startsWith('<=')) return { ...all, to: filter.slice(2) };
  const [from, to] = filter.split('..');
  return { from: from ?? '', to: to === undefined || to === '*' ? all.to : to };
}

function runOf(baseUrl: string, run: WorkflowRun): Record<string, unknown> {
  const api = `${baseUrl}/github/repos/${run.owner}/${run.repo}`;
  return {
    id: run.id,
    name: run.name,
    display_title: run.displayTitle,
    path: run.path,
    head_branch: run.ref.replace(/^refs\/heads\//, ''),
    run_number: run.runNumber,
    event: run.event,
    status: run.status,
    conclusion: null,
    workflow_id: run.workflowId,
    url: `${api}/actions/runs/${run.id}`,
    html_url: `https://github.com/${run.owner}/${run.repo}/actions/runs/${run.id}`,
    created_at: run.createdAt,
    updated_at: run.createdAt,
    // Not in GitHub's run object; kept so callers can check what the dispatch carried.
    inputs: run.inputs,
    repository: { full_name: `${run.owner}/${run.repo}`, name: run.repo, owner: { login: run.owner } },
  };
}

function workflowOf(baseUrl: string, workflow: WorkflowDefinition): Record<string, unknown> {
  return {
    id: workflow.id,
    name: workflow.name,
    path: `.github/workflows/${workflow.file}`,
    state: 'active',
    url: `${baseUrl}/github/repos/${workflow.owner}/${workflow.repo}/actions/workflows/${workflow.id}`,
    html_url: `https://github.com/${workflow.owner}/${workflow.repo}/blob/main/.github/workflows/${workflow.file}`,
  };
}

function gitHubError(status: number, message: string, documentationUrl: string): EmulatorResponse {
  return { status, body: { message, documentation_url: documentationUrl, status: String(status) } };
}

function sameRepo(workflow: WorkflowDefinition, owner: string, repo: string): boolean {
  return workflow.owner.toLowerCase() === owner.toLowerCase() && workflow.repo.toLowerCase() === repo.toLowerCase();
}
