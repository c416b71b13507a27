/**
 * Azure DevOps Pipelines REST API ("Runs - Run Pipeline", "Runs - List", "Runs - Get", "Pipelines - List/Get"),
 * under `/ado/{organization}/{project}/_apis/pipelines`.
 *
 * Authentication as Azure DevOps checks it: `Authorization: Basic base64(':' + PAT)` with the PAT held in the
 * emulated Key Vault's `ado-pat` secret, or a bearer token from the local IdP for Azure DevOps' resource id.
 *
 * State: one `DevOpsState` per emulator context (`devOpsStateFor(context)`, also returned by `mount`):
 * the playground's pipelines and every run started; `reset()` forgets the runs.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import type { EmulatorContext } from './context.js';
import { bearerTokenOf } from './idp.js';
import { secretVaultFor } from './keyvault.js';
import type { EmulatorRequest, EmulatorResponse, Router } from './router.js';

/** Azure DevOps' Entra resource id: the audience of its bearer tokens. */
export const AZURE_DEVOPS_RESOURCE = '499b84ac-1321-427f-aa17-267ca6975798';
export const ADO_PAT_SECRET_NAME = 'ado-pat';

/** A runtime parameter the pipeline's YAML declares (`parameters:`); one without a default must be given a value. */
export interface PipelineParameter {
  readonly name: string;
  readonly default?: string;
}

export interface PipelineDefinition {
  readonly organization: string;
  readonly project: string;
  readonly id: number;
  readonly name: string;
  readonly folder: string;
  readonly revision: number;
  /** The YAML's runtime parameters; none declared (`[]`) refuses every parameter a run is given, as Azure DevOps does. */
  readonly parameters: readonly PipelineParameter[];
  /** The YAML's `name:` (the run number format); default `$(Date:yyyyMMdd).$(Rev:r)`, as Azure DevOps'. */
  readonly runName?: string;
}

/**
 * The playground's pipelines, with the YAML a model CD pipeline needs so that a run can be found again by the key the
 * app sends (`parameters`, `name: ${{ parameters.idempotencyKey }}.$(Rev:r)`).
 */
export const PLAYGROUND_PIPELINES: readonly PipelineDefinition[] = [
  {
    organization: 'contoso',
    project: 'mlops',
    id: 1,
    name: 'model-cd',
    folder: '\\',
    revision: 3,
    parameters: [{ name: 'modelName' }, { name: 'modelVersion' }, { name: 'workspaceId' }, { name: 'idempotencyKey' }],
    runName: '${{ parameters.idempotencyKey }}.$(Rev:r)',
  },
  {
    organization: 'contoso',
    project: 'mlops',
    id: 2,
    name: 'retrain',
    folder: '\\',
    revision: 5,
    parameters: [
      { name: 'workspaceId' },
      { name: 'idempotencyKey' },
      { name: 'dataDriftName', default: '' },
      { name: 'driftRunId', default: '' },
      { name: 'targetDatasetId', default: '' },
      { name: 'driftCoefficient', default: '' },
      // What a model monitor's alert passes (src/modelCd/onMonitorAlert.ts).
      { name: 'monitorName', default: '' },
      { name: 'alertRule', default: '' },
      { name: 'metricName', default: '' },
      { name: 'windowStartTime', default: '' },
      { name: 'windowEndTime', default: '' },
    ],
    runName: '${{ parameters.idempotencyKey }}.$(Rev:r)',
  },
];

/**
 * A run's name from the pipeline's run number format (MicrosoftDocs/azure-devops-docs `pipelines/process/run-number.md`):
 * `${{ parameters.x }}` expands to the parameter, `$(Date:yyyyMMdd)` to the date, `$(Rev:r)` to 1 plus the runs
 * whose name has the same text before it.
 */
export function runNameOf(format: string, parameters: Readonly<Record<string, string>>, now: Date, existingNames: readonly string[]): string {
  const expanded = format
    .replace(/\$\{\{\s*parameters\.([A-Za-z_][\w]*)\s*\}\}/g, (_, name: string) => parameters[name] ?? '')
    .replace(/\$\(Date:yyyyMMdd\)/g, now.toISOString().slice(0, 10).replaceAll('-', ''));
  const [prefix = '', ...rest] = expanded.split('$(Rev:r)');
  if (rest.length === 0) return expanded;
  const revision = existingNames.filter((name) => name.startsWith(prefix)).length + 1;
  return `${prefix}${revision}${rest.join(String(revision))}`;
}

export type RunState = 'inProgress' | 'completed' | 'canceling' | 'unknown';
export type RunResult = 'succeeded' | 'failed' | 'canceled' | 'unknown';

export interface PipelineRun {
  readonly organization: string;
  readonly project: string;
  readonly pipelineId: number;
  readonly id: number;
  readonly name: string;
  state: RunState;
  result?: RunResult;
  readonly createdDate: string;
  finishedDate?: string;
  readonly templateParameters: Record<string, string>;
  readonly variables: Record<string, { value?: string; isSecret?: boolean }>;
  readonly resources: Record<string, unknown>;
  readonly stagesToSkip: readonly string[];
  /** Who started it: the token's principal or `pat`. */
  readonly requestedBy: string;
}

export class DevOpsState {
  readonly #now: () => Date;
  #pipelines: PipelineDefinition[] = [...PLAYGROUND_PIPELINES];
  #runs: PipelineRun[] = [];
  #nextRunId = 1;

  constructor(now: () => Date = () => new Date()) {
    this.#now = now;
  }

  reset(): void {
    this.#pipelines = [...PLAYGROUND_PIPELINES];
    this.#runs = [];
    this.#nextRunId = 1;
  }

  addPipeline(pipeline: PipelineDefinition): void {
    this.#pipelines = [...this.#pipelines.filter((existing) => !samePipeline(existing, pipeline.organization, pipeline.project, pipeline.id)), pipeline];
  }

  pipelines(organization: string, project: string): PipelineDefinition[] {
    return this.#pipelines.filter((pipeline) => sameScope(pipeline, organization, project));
  }

  pipeline(organization: string, project: string, id: number): PipelineDefinition | undefined {
    return this.#pipelines.find((pipeline) => samePipeline(pipeline, organization, project, id));
  }

  hasProject(organization: string, project: string): boolean {
    return this.#pipelines.some((pipeline) => sameScope(pipeline, organization, project));
  }

  startRun(
    pipeline: PipelineDefinition,
    request: Pick<PipelineRun, 'templateParameters' | 'variables' | 'resources' | 'stagesToSkip' | 'requestedBy'>,
  ): PipelineRun {
    const now = this.#now();
    const previous = this.#runs.filter((run) => run.pipelineId === pipeline.id).map((run) => run.name);
    const run: PipelineRun = {
      organization: pipeline.organization,
      project: pipeline.project,
      pipelineId: pipeline.id,
      id: this.#nextRunId++,
      name: runNameOf(pipeline.runName ?? '$(Date:yyyyMMdd).$(Rev:r)', request.templateParameters, now, previous),
      state: 'inProgress',
      createdDate: now.toISOString(),
      ...request,
    };
    this.#runs.push(run);
    return run;
  }

  /** Finishes a run, as the agent would; for tests of callers that poll. */
  completeRun(id: number, result: RunResult): PipelineRun | undefined {
    const run = this.#runs.find((candidate) => candidate.id === id);
    if (run) {
      run.state = 'completed';
      run.result = result;
      run.finishedDate = this.#now().toISOString();
    }
    return run;
  }

  /** Every run, oldest first; filtered to one pipeline when given. */
  runs(filter: { organization?: string; project?: string; pipelineId?: number } = {}): PipelineRun[] {
    return this.#runs.filter(
      (run) =>
        (filter.organization === undefined || equalsIgnoreCase(run.organization, filter.organization)) &&
        (filter.project === undefined || equalsIgnoreCase(run.project, filter.project)) &&
        (filter.pipelineId === undefined || run.pipelineId === filter.pipelineId),
    );
  }
}

const states = new WeakMap<EmulatorContext, DevOpsState>();

export function devOpsStateFor(context: EmulatorContext): DevOpsState {
  let state = states.get(context);
  if (!state) {
    state = new DevOpsState(() => context.now());
    states.set(context, state);
  }
  return state;
}

const runPipelineBody = z
  .object({
    templateParameters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    variables: z.record(z.string(), z.object({ value: z.string().optional(), isSecret: z.boolean().optional() })).optional(),
    resources: z.record(z.string(), z.unknown()).optional(),
    previewRun: z.boolean().optional(),
    stagesToSkip: z.array(z.string()).optional(),
    yamlOverride: z.string().optional(),
  })
  .loose();

export function mount(router: Router, context: EmulatorContext): DevOpsState {
  const state = devOpsStateFor(context);
  const base = '/ado/{organization}/{project}/_apis/pipelines';

  /** Authentication, api-version and project checks shared by every route, in the order Azure DevOps applies them. */
  const guarded =
    (handler: (request: EmulatorRequest, scope: { organization: string; project: string }) => EmulatorResponse | Promise<EmulatorResponse>) =>
    async (request: EmulatorRequest): Promise<EmulatorResponse> => {
      const principal = await authenticate(request.headers, context);
      if (!principal) return unauthenticated(request, context);
      if (!apiVersionOf(request)) {
        return {
          status: 400,
          body: adoError(
            'VssVersionNotSpecifiedException',
            `No api-version was supplied for the "${request.method}" request. The version must be supplied either as part of the Accept header (e.g. "application/json; api-version=1.0") or as a query parameter (e.g. "?api-version=1.0").`,
          ),
        };
      }
      const organization = request.params.organization ?? '';
      const project = request.params.project ?? '';
      if (!state.hasProject(organization, project)) {
        return { status: 404, body: adoError('ProjectDoesNotExistWithNameException', `TF200016: The following project does not exist: ${project}.`) };
      }
      return handler({ ...request, principal }, { organization, project });
    };

  const withPipeline =
    (handler: (request: EmulatorRequest, pipeline: PipelineDefinition) => EmulatorResponse) =>
    guarded((request, scope) => {
      const raw = request.params.pipelineId ?? '';
      const pipeline = /^\d+$/.test(raw) ? state.pipeline(scope.organization, scope.project, Number(raw)) : undefined;
      if (!pipeline) return { status: 404, body: adoError('PipelineNotFoundException', `Pipeline with id ${raw} not found.`) };
      return handler(request, pipeline);
    });

  router.add(
    'GET',
    base,
    guarded((_request, scope) => {
      const value = state.pipelines(scope.organization, scope.project).map((pipeline) => pipelineOf(context.baseUrl, pipeline));
      return { status: 200, body: { count: value.length, value } };
    }),
  );

  router.add('GET', `${base}/{pipelineId}`, withPipeline((_request, pipeline) => ({ status: 200, body: pipelineOf(context.baseUrl, pipeline) })));

  router.add(
    'POST',
    `${base}/{pipelineId}/runs`,
    withPipeline((request, pipeline) => {
      const parsed = runPipelineBody.safeParse(request.body ?? {});
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return {
          status: 400,
          body: adoError('InvalidRequestException', `The request body is invalid: ${issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'malformed'}.`),
        };
      }
      const body = parsed.data;
      const templateParameters = Object.fromEntries(Object.entries(body.templateParameters ?? {}).map(([key, value]) => [key, String(value)]));
      const refused = checkParameters(pipeline, templateParameters);
      if (refused !== undefined) return { status: 400, body: adoError('PipelineValidationException', refused) };
      if (body.previewRun) {
        return { status: 200, body: { finalYaml: previewYamlOf(pipeline, templateParameters) } };
      }
      const run = state.startRun(pipeline, {
        templateParameters,
        variables: body.variables ?? {},
        resources: body.resources ?? {},
        stagesToSkip: body.stagesToSkip ?? [],
        requestedBy: request.principal,
      });
      return { status: 200, body: runOf(context.baseUrl, run, pipeline) };
    }),
  );

  router.add(
    'GET',
    `${base}/{pipelineId}/runs`,
    withPipeline((_request, pipeline) => {
      // The service lists newest first.
      const value = state
        .runs({ organization: pipeline.organization, project: pipeline.project, pipelineId: pipeline.id })
        .reverse()
        .map((run) => runOf(context.baseUrl, run, pipeline));
      return { status: 200, body: { count: value.length, value } };
    }),
  );

  router.add(
    'GET',
    `${base}/{pipelineId}/runs/{runId}`,
    withPipeline((request, pipeline) => {
      const runId = Number(request.params.runId);
      const run = state.runs({ organization: pipeline.organization, project: pipeline.project, pipelineId: pipeline.id }).find((candidate) => candidate.id === runId);
      if (!run) return { status: 404, body: adoError('PipelineRunNotFoundException', `Pipeline run ${request.params.runId ?? ''} not found.`) };
      return { status: 200, body: runOf(context.baseUrl, run, pipeline) };
    }),
  );

  /**
   * "Builds - List" (`GET {organization}/{project}/_apis/build/builds`): a pipeline run is a build with the same id.
   * Filters as documented (MicrosoftDocs/vsts-rest-api-specs `specification/build/7.1/build.json`): `definitions`
   * (comma-separated ids), `buildNumber` ("Append * to do a prefix search"), `$top`; newest first.
   */
  router.add(
    'GET',
    '/ado/{organization}/{project}/_apis/build/builds',
    guarded((request, scope) => {
      const definitions = (request.query.get('definitions') ?? '').split(',').filter((id) => id !== '').map(Number);
      const buildNumber = request.query.get('buildNumber');
      const top = Number(request.query.get('$top') ?? '') || undefined;
      const matchesNumber = (name: string): boolean => {
        if (buildNumber === null || buildNumber === '') return true;
        return buildNumber.endsWith('*') ? name.toLowerCase().startsWith(buildNumber.slice(0, -1).toLowerCase()) : name.toLowerCase() === buildNumber.toLowerCase();
      };
      const builds = state
        .runs({ organization: scope.organization, project: scope.project })
        .filter((run) => (definitions.length === 0 || definitions.includes(run.pipelineId)) && matchesNumber(run.name))
        .reverse()
        .slice(0, top)
        .map((run) => buildOf(context.baseUrl, run, state.pipeline(scope.organization, scope.project, run.pipelineId)));
      return { status: 200, body: { count: builds.length, value: builds } };
    }),
  );

  return state;
}

/**
 * Runtime parameters as Azure DevOps checks them (MicrosoftDocs/azure-devops-docs `pipelines/process/runtime-parameters.md`:
 * "Parameters can't be optional. A default value needs to be assigned in your YAML file or when you run your
 * pipeline"): a value for one the YAML does not declare is refused ("Unexpected parameter", also when the YAML
 * declares none), and so is a run that leaves one without a default unset.
 */
function checkParameters(pipeline: PipelineDefinition, given: Readonly<Record<string, string>>): string | undefined {
  const declared = new Set(pipeline.parameters.map((parameter) => parameter.name));
  const unexpected = Object.keys(given).find((name) => !declared.has(name));
  if (unexpected !== undefined) return `Unexpected parameter '${unexpected}'`;
  const missing = pipeline.parameters.find((parameter) => parameter.default === undefined && given[parameter.name] === undefined);
  if (missing !== undefined) return `A value for the '${missing.name}' parameter must be provided.`;
  return undefined;
}

/**
 * What Azure DevOps answers a request it cannot authenticate (a wrong or expired PAT, an invalid token): by default
 * `203 Non-Authoritative Information` with its HTML sign-in page, not an error status (MicrosoftDocs/vsts-rest-api-specs
 * #97 "given HTTP 203 with 'sign in' content", #574; microsoft/azure-devops-auth-samples#52). A client that sends
 * `X-TFS-FedAuthRedirect: Suppress` asks for the 401 instead ("rather than getting 302 redirects as part of FedAuth
 * flows 401 and 403 are passed through": `VssHttpRequestSettings.SuppressFedAuthRedirects` in Microsoft's client).
 */
function unauthenticated(request: EmulatorRequest, context: EmulatorContext): EmulatorResponse {
  if (String(request.headers['x-tfs-fedauthredirect'] ?? '').toLowerCase() === 'suppress') {
    return {
      status: 401,
      headers: { 'www-authenticate': `Basic realm="${context.baseUrl}/ado/"` },
      body: adoError('UnauthorizedRequestException', 'TF400813: The user is not authorized to access this resource.'),
    };
  }
  const signIn = `${context.baseUrl}/ado/_signin?realm=dev.azure.com&reply_to=${encodeURIComponent(`${context.baseUrl}${request.path}`)}`;
  return {
    status: 203,
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: `<!DOCTYPE html><html><head><title>Azure DevOps Services | Sign In</title></head><body><p>Object moved to <a href="${signIn}">here</a>.</p></body></html>`,
  };
}

/** `pat` for a matching personal access token, the token's principal for a valid bearer token, otherwise undefined. */
async function authenticate(headers: IncomingHttpHeaders, context: EmulatorContext): Promise<string | undefined> {
  const bearer = bearerTokenOf(headers);
  if (bearer) {
    const verified = await context.verifyToken(bearer, AZURE_DEVOPS_RESOURCE);
    return 'principal' in verified ? verified.principal : undefined;
  }
  const basic = /^Basic\s+(\S+)\s*$/i.exec(headers.authorization ?? '')?.[1];
  const expected = secretVaultFor(context).currentValue(ADO_PAT_SECRET_NAME);
  if (!basic || !expected) return undefined;
  const decoded = Buffer.from(basic, 'base64').toString('utf8');
  // Azure DevOps ignores the user name part of a PAT's basic credentials.
  const pat = decoded.slice(decoded.indexOf(':') + 1);
  return constantTimeEquals(pat, expected) ? 'pat' : undefined;
}

function constantTimeEquals(actual: string, expected: string): boolean {
  const a = Buffer.from(actual);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function apiVersionOf(request: EmulatorRequest): string | undefined {
  const fromQuery = request.query.get('api-version');
  if (fromQuery) return fromQuery;
  return /api-version=([^;,\s]+)/i.exec(request.headers.accept ?? '')?.[1];
}

function pipelineOf(baseUrl: string, pipeline: PipelineDefinition): Record<string, unknown> {
  const url = `${projectUrl(baseUrl, pipeline)}/_apis/pipelines/${pipeline.id}?revision=${pipeline.revision}`;
  return {
    _links: {
      self: { href: url },
      web: { href: `${projectUrl(baseUrl, pipeline)}/_build/definition?definitionId=${pipeline.id}` },
    },
    url,
    id: pipeline.id,
    revision: pipeline.revision,
    name: pipeline.name,
    folder: pipeline.folder,
  };
}

function runOf(baseUrl: string, run: PipelineRun, pipeline: PipelineDefinition): Record<string, unknown> {
  const project = projectUrl(baseUrl, pipeline);
  const url = `${project}/_apis/pipelines/${pipeline.id}/runs/${run.id}`;
  const pipelineRef = {
    url: `${project}/_apis/pipelines/${pipeline.id}?revision=${pipeline.revision}`,
    id: pipeline.id,
    revision: pipeline.revision,
    name: pipeline.name,
    folder: pipeline.folder,
  };
  return {
    _links: {
      self: { href: url },
      web: { href: `${project}/_build/results?buildId=${run.id}` },
      'pipeline.web': { href: `${project}/_build/definition?definitionId=${pipeline.id}` },
      pipeline: { href: pipelineRef.url },
    },
    templateParameters: run.templateParameters,
    pipeline: pipelineRef,
    state: run.state,
    ...(run.result ? { result: run.result } : {}),
    createdDate: run.createdDate,
    ...(run.finishedDate ? { finishedDate: run.finishedDate } : {}),
    url,
    resources: run.resources,
    ...(Object.keys(run.variables).length > 0 ? { variables: run.variables } : {}),
    id: run.id,
    name: run.name,
  };
}

function buildOf(baseUrl: string, run: PipelineRun, pipeline: PipelineDefinition | undefined): Record<string, unknown> {
  const project = `${baseUrl}/ado/${encodeURIComponent(run.organization)}/${encodeURIComponent(run.project)}`;
  return {
    _links: { self: { href: `${project}/_apis/build/Builds/${run.id}` }, web: { href: `${project}/_build/results?buildId=${run.id}` } },
    id: run.id,
    buildNumber: run.name,
    status: run.state === 'completed' ? 'completed' : 'inProgress',
    ...(run.result ? { result: run.result } : {}),
    queueTime: run.createdDate,
    definition: { id: run.pipelineId, name: pipeline?.name ?? '' },
    templateParameters: run.templateParameters,
    url: `${project}/_apis/build/Builds/${run.id}`,
  };
}

function previewYamlOf(pipeline: PipelineDefinition, templateParameters: Record<string, string>): string {
  const parameters = Object.entries(templateParameters).map(([key, value]) => `  ${key}: ${JSON.stringify(value)}`);
  return [`# ${pipeline.name}`, ...(parameters.length > 0 ? ['parameters:', ...parameters] : []), 'stages:', '- stage: __default', ''].join('\n');
}

function projectUrl(baseUrl: string, pipeline: PipelineDefinition): string {
  return `${baseUrl}/ado/${encodeURIComponent(pipeline.organization)}/${encodeURIComponent(pipeline.project)}`;
}

function adoError(typeKey: string, message: string): Record<string, unknown> {
  return { $id: '1', innerException: null, message, typeName: `Microsoft.Azure.Pipelines.WebApi.${typeKey}`, typeKey, errorCode: 0, eventId: 3000 };
}

function sameScope(pipeline: PipelineDefinition, organization: string, project: string): boolean {
  return equalsIgnoreCase(pipeline.organization, organization) && equalsIgnoreCase(pipeline.project, project);
}

function samePipeline(pipeline: PipelineDefinition, organization: string, project: string, id: number): boolean {
  return sameScope(pipeline, organization, project) && pipeline.id === id;
}

function equalsIgnoreCase(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
