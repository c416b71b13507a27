import type { TokenCredential } from '@azure/core-auth';
import type { CdTarget } from '../../policy/policySchema.js';
import type { HttpClient } from '../http/httpClient.js';
import type { SecretStore } from '../keyvault/secrets.js';
import { AzureDevOpsCdTarget } from './azureDevOpsTarget.js';
import type { CdTargetAdapter } from '../../modelCd/cdTargetPort.js';
import { GithubActionsCdTarget } from './githubActionsTarget.js';
import { SignedWebhookCdTarget } from './signedWebhookTarget.js';

export type { CdRunRequest, CdRunStarted, CdTargetAdapter } from '../../modelCd/cdTargetPort.js';

export interface CdTargetDeps {
  readonly http: HttpClient;
  readonly secrets: SecretStore;
  readonly credential: TokenCredential;
}

/** The adapter for a policy's `cd.targets` entry. */
export function createCdTarget(target: CdTarget, deps: CdTargetDeps): CdTargetAdapter {
  switch (target.kind) {
    case 'azureDevOps':
      return new AzureDevOpsCdTarget(target, deps);
    case 'githubActions':
      return new GithubActionsCdTarget(target, deps);
    case 'webhook':
      return new SignedWebhookCdTarget(target, deps);
  }
}
