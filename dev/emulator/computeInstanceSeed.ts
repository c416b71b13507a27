import { computeTypeDefaults } from './arm/computeShape.js';
import { COMPUTE_TYPE, computeId, type EmulatorState } from './state.js';

/** The playground's compute instance (documented in the README). */
export const PLAYGROUND_INSTANCE = {
  /** Idle shutdown within the policy's range, but no stop schedule: a finding that cannot be fixed in place. */
  noStopSchedule: 'ci-no-schedule',
} as const;

const SEEDED_BY = 'aml-warden-emulator-seed';

/**
 * A compute instance with idle shutdown set and no `schedules` (shape: azure-rest-api-specs
 * `stable/2024-04-01/machineLearningServices.json` `ComputeInstance`; example `Compute/get/ComputeInstance.json`).
 */
export function seedComputeInstance(state: EmulatorState, subscriptionId: string, resourceGroup: string, workspace: string, location: string, tags: Readonly<Record<string, string>>, now: Date): void {
  const at = now.toISOString();
  const name = PLAYGROUND_INSTANCE.noStopSchedule;
  state.put({
    id: computeId(subscriptionId, resourceGroup, workspace, name),
    name,
    type: COMPUTE_TYPE,
    location,
    tags: { ...tags },
    extra: {},
    properties: {
      computeType: 'ComputeInstance',
      computeLocation: location,
      description: `${name} (seeded)`,
      provisioningState: 'Succeeded',
      createdOn: at,
      modifiedOn: at,
      provisioningErrors: null,
      isAttachedCompute: false,
      disableLocalAuth: true,
      properties: computeTypeDefaults('ComputeInstance', { vmSize: 'STANDARD_DS3_V2', sshSettings: { sshPublicAccess: 'Disabled' }, idleTimeBeforeShutdown: 'PT60M' }),
    },
    systemData: { createdAt: at, createdBy: SEEDED_BY, createdByType: 'Application', lastModifiedAt: at, lastModifiedBy: SEEDED_BY, lastModifiedByType: 'Application' },
  });
}
