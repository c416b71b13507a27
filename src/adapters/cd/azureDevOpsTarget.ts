/**
 * Azure DevOps Pipelines "Runs - Run Pipeline": `POST {organization}/{project}/_apis/pipelines/{id}/runs`
 * with `templateParameters`. Authenticates with the app's identity (an Entra token for Azure DevOps) or a
 * PAT read from Key Vault.
 *
 * Azure DevOps takes no idempotency key, and a run's name cannot be set when queuing it (MicrosoftDocs/
 * vsts-rest-api-specs `pipelines/7.1/pipelines.json`: `RunPipelineParameters` has no name). So the key goes in as the
 * template parameter `idempotencyKey`, and the pipeline's YAML starts its run name with it
 * (`name: ${{ parameters.idempotencyKey }}.$(Rev:r)`). Then "Builds - List" finds the run by it: `buildNumber`
 * "Append * to do a prefix search" (`build/7.1/build.json`); a pipeline run is the build with the same id.
 */
import type { TokenCredential } from '@azure/core-auth';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import type { AzureDevOpsTarget } from '../../policy/policySchema.js';
import type { HttpClient } from '../http/httpClient.js';
import type { SecretStore } from '../keyvault/secrets.js';
import type { CdRunRequest, CdRunStarted, CdTargetAdapter, RunLookup } from '../../modelCd/ports.js';
import { assertTargetAccepted, stringifyParameters } from './targetResponse.js';

/** Azure DevOps' Entra resource id: tokens for it are asked with this scope. */
export const AZURE_DEVOPS_SCOPE = '499b84ac-1321-427f-aa17-267ca6975798/.default';
export const AZURE_DEVOPS_API_VERSION = '7.1';

const runSchema = z.object({
  id: z.union([z.number(), z.string()]).transform(String),
  name: z.string().optional(),
  url: z.string().optional(),
  _links: z.object({ web: z.object({ href: z.string() }).partial().optional() }).partial().optional(),
});

const buildListSchema = z.object({ value: z.array(runSchema.extend({ buildNumber: z.string() })) });

/** The template parameter carrying the key. */
export const AZURE_DEVOPS_KEY_PARAMETER = 'idempotencyKey';

export interface AzureDevOpsRunCall {
  readonly url: string;
  readonly body: string;
}

/** The request "Run Pipeline" expects; pure so tests can pin its shape. */
export function azureDevOpsRunCall(target: AzureDevOpsTarget, request: CdRunRequest): AzureDevOpsRunCall {
  const organization = target.organizationUrl.replace(/\/+$/, '');
  const url = `${organization}/${encodeURIComponent(target.project)}/_apis/pipelines/${target.pipelineId}/runs?api-version=${AZURE_DEVOPS_API_VERSION}`;
  return { url, body: JSON.stringify({ templateParameters: stringifyParameters({ ...request.parameters, [AZURE_DEVOPS_KEY_PARAMETER]: request.idempotencyKey }) }) };
}

/** "Builds - List" of the pipeline, for the run whose number starts with the key. */
export function azureDevOpsFindUrl(target: AzureDevOpsTarget, idempotencyKey: string): string {
  const organization = target.organizationUrl.replace(/\/+$/, '');
  const query = new URLSearchParams({ definitions: String(target.pipelineId), buildNumber: `${idempotencyKey}*`, $top: '1', 'api-version': AZURE_DEVOPS_API_VERSION });
  return `${organization}/${encodeURIComponent(target.project)}/_apis/build/builds?${query.toString()}`;
}

/** The run's id and its web link from the service's answer; whether its name starts with the key it was given. */
export function parseAzureDevOpsRun(body: unknown, idempotencyKey?: string): CdRunStarted {
  const parsed = runSchema.safeParse(body);
  if (!parsed.success) throw new AppError('UpstreamPermanent', 'Azure DevOps answered without a run id', { module: 'cd' });
  return {
    runId: parsed.data.id,
    link: parsed.data._links?.web?.href ?? parsed.data.url,
    ...(idempotencyKey === undefined || parsed.data.name?.startsWith(idempotencyKey) === true
      ? {}
      : { notFindable: `its run name does not start with the idempotency key; start the pipeline's run name with it: name: \${{ parameters.${AZURE_DEVOPS_KEY_PARAMETER} }}.$(Rev:r)` }),
  };
}

export interface AzureDevOpsTargetDeps {
  readonly http: HttpClient;
  readonly secrets: SecretStore;
  readonly credential: TokenCredential;
}

export class AzureDevOpsCdTarget implements CdTargetAdapter {
  readonly kind = 'azureDevOps';
  readonly description: string;
  readonly #target: AzureDevOpsTarget;
  readonly #deps: AzureDevOpsTargetDeps;

  constructor(target: AzureDevOpsTarget, deps: AzureDevOpsTargetDeps) {
    this.#target = target;
    this.#deps = deps;
    const organization = target.organizationUrl.replace(/\/+$/, '').split('/').pop() ?? target.organizationUrl;
    this.description = `Azure DevOps ${organization}/${target.project} pipeline ${target.pipelineId}`;
  }

  async startRun(request: CdRunRequest): Promise<CdRunStarted> {
    const call = azureDevOpsRunCall(this.#target, request);
    const response = await this.#deps.http.request({
      method: 'POST',
      url: call.url,
      // Asks for a 401 rather than the sign-in page Azure DevOps otherwise answers a refused credential with.
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-tfs-fedauthredirect': 'Suppress', authorization: await this.#authorization() },
      body: call.body,
    });
    assertTargetAccepted(response, this.description, { credentialHint: this.#credentialHint(), signInPage: true, keyParameter: AZURE_DEVOPS_KEY_PARAMETER });
    return parseAzureDevOpsRun(response.json(), request.idempotencyKey);
  }

  async findRun(idempotencyKey: string): Promise<RunLookup> {
    const response = await this.#deps.http.request({
      method: 'GET',
      url: azureDevOpsFindUrl(this.#target, idempotencyKey),
      headers: { accept: 'application/json', 'x-tfs-fedauthredirect': 'Suppress', authorization: await this.#authorization() },
    });
    assertTargetAccepted(response, this.description, { credentialHint: this.#credentialHint(), signInPage: true });
    const parsed = buildListSchema.safeParse(response.json());
    if (!parsed.success) throw new AppError('UpstreamPermanent', `${this.description} listed its runs in an unexpected shape`, { module: 'cd' });
    const build = parsed.data.value.find((candidate) => candidate.buildNumber.startsWith(idempotencyKey));
    return build === undefined ? { kind: 'none' } : { kind: 'found', run: { runId: build.id, link: build._links?.web?.href ?? build.url } };
  }

  #credentialHint(): string {
    const auth = this.#target.auth;
    return auth.kind === 'pat'
      ? `check the personal access token in Key Vault secret '${auth.secretName}' (expired, revoked, or without the Build "Read & execute" scope)`
      : "check that the app's identity is a user of the Azure DevOps organization, allowed to queue this pipeline";
  }

  async #authorization(): Promise<string> {
    const auth = this.#target.auth;
    if (auth.kind === 'pat') {
      const pat = await this.#deps.secrets.getSecret(auth.secretName);
      return `Basic ${Buffer.from(`:${pat}`).toString('base64')}`;
    }
    let token;
    try {
      token = await this.#deps.credential.getToken(AZURE_DEVOPS_SCOPE);
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw new AppError('UpstreamTransient', 'Could not get a token for Azure DevOps', { module: 'cd' });
    }
    if (token === null) throw new AppError('ConfigurationError', 'The app identity got no token for Azure DevOps', { module: 'cd' });
    return `Bearer ${token.token}`;
  }
}
