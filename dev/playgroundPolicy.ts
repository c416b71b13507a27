/**
 * Policies pointed at a running emulator, for tests and benchmarks: the playground's Azure DevOps organization
 * (`contoso/mlops`, PAT `ado-pat` from the emulator's Key Vault) as CD targets, and the usual "retrained model →
 * pipeline 1" rule. One place, so a change to the policy's CD shape is made once.
 */
import { stringify } from 'yaml';
import { PLAYGROUND } from './emulator/seed.js';

/** An Azure DevOps CD target: pipeline `pipelineId` of the emulator's playground project. */
export function emulatorPipelineTarget(emulatorUrl: string, pipelineId: number): Record<string, unknown> {
  return {
    kind: 'azureDevOps',
    organizationUrl: `${emulatorUrl}/ado/contoso`,
    project: 'mlops',
    pipelineId,
    auth: { kind: 'pat', secretName: 'ado-pat' },
  };
}

export interface RetrainedModelsPolicyOptions {
  /** More CD targets next to `model-cd` (pipeline 1). */
  readonly targets?: Readonly<Record<string, unknown>>;
  /** Fields added to the rule (e.g. `modelTags`, `match`). */
  readonly rule?: Readonly<Record<string, unknown>>;
  /** Other top-level sections (`notifications`, `driftRetrain`, ...). */
  readonly sections?: Readonly<Record<string, unknown>>;
}

/** Policy YAML in which a model version trained in a `retrain*` experiment starts pipeline 1 (`model-cd`) on the emulator. */
export function retrainedModelsPolicy(emulatorUrl: string, options: RetrainedModelsPolicyOptions = {}): string {
  return stringify({
    version: 1,
    // Events are acted on only for workspaces the policy governs: the playground's subscription.
    scope: { subscriptions: [PLAYGROUND.subscriptionId] },
    cd: {
      targets: { 'model-cd': emulatorPipelineTarget(emulatorUrl, 1), ...options.targets },
      rules: [{ name: 'retrained-models', target: 'model-cd', experiments: ['retrain*'], ...options.rule }],
    },
    ...options.sections,
  });
}
