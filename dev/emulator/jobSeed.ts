import { JOB_TYPE, workspaceId, type EmulatorState } from './state.js';

/** The playground's serverless job (documented in the README). */
export const PLAYGROUND_JOB = {
  /** A running serverless command job on an instance type the playground policy does not allow. */
  disallowedInstanceType: 'train-churn-a100',
  instanceType: 'Standard_NC24ads_A100_v4',
} as const;

const SEEDED_BY = 'aml-warden-emulator-seed';

/**
 * A running serverless command job: no `computeId`, so Azure ML runs it on serverless compute sized by
 * `resources.instanceType` (shape: azure-rest-api-specs `stable/2024-04-01/mfe.json` `CommandJob`, `JobResourceConfiguration`,
 * `QueueSettings`, `CommandJobLimits`; example `Job/createOrUpdate/CommandJob.json`). Seeded directly, as if it had
 * been submitted before the app started, so no `RunStatusChanged` is raised for it: the sweep finds it.
 */
export function seedServerlessJob(state: EmulatorState, subscriptionId: string, resourceGroup: string, workspace: string, owner: string, now: Date): void {
  const at = now.toISOString();
  const name = PLAYGROUND_JOB.disallowedInstanceType;
  state.put({
    id: `${workspaceId(subscriptionId, resourceGroup, workspace)}/jobs/${name}`,
    name,
    type: JOB_TYPE,
    tags: {},
    extra: {},
    properties: {
      jobType: 'Command',
      displayName: name,
      experimentName: 'churn-training',
      status: 'Running',
      isArchived: false,
      command: 'python train.py --epochs 40',
      environmentId: 'azureml://registries/azureml/environments/sklearn-1.5/labels/latest',
      codeId: null,
      computeId: null,
      resources: { instanceType: PLAYGROUND_JOB.instanceType, instanceCount: 1 },
      queueSettings: { jobTier: 'Standard' },
      limits: { jobLimitsType: 'Command', timeout: 'PT2H' },
      tags: { owner },
      properties: {},
    },
    systemData: { createdAt: at, createdBy: SEEDED_BY, createdByType: 'Application', lastModifiedAt: at, lastModifiedBy: SEEDED_BY, lastModifiedByType: 'Application' },
  });
}
