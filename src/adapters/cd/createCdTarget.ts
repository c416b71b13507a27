import type { TokenCredential } from '@azure/core-auth';
import type { CdTargetAdapter, CdTargets } from '../../modelCd/ports.js';
import type { CdTarget } from '../../policy/policySchema.js';
import type { HttpClient } from '../http/httpClient.js';
import type { SecretStore } from '../keyvault/secrets.js';
import { AzureDevOpsCdTarget } from './azureDevOpsTarget.js';
import { GithubActionsCdTarget } from './githubActionsTarget.js';
import { SignedWebhookCdTarget } from './signedWebhookTarget.js';

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

export function createCdTargets(deps: CdTargetDeps): CdTargets {
  return { forTarget: (target) => createCdTarget(target, deps) };
}
