/**
 * The Azure Resource Manager operations the app performs, as RBAC actions. The code keeps no single list of
 * them yet, so this is the list (from the adapters' contract): workspaces, computes, model versions and jobs
 * are read; computes are written (scale settings, SSH, creation on approval); tags are read and written
 * through the Tags API; resource groups are read for tag inheritance; a long-running compute operation is
 * polled through its location's operation status. Resource Graph needs nothing beyond read on the resources.
 * `codeFacts.ts` adds whatever Azure ML SDK calls the source makes, so a new call cannot slip past the role.
 */
export const requiredArmActions: readonly string[] = [
  'Microsoft.MachineLearningServices/workspaces/read',
  'Microsoft.MachineLearningServices/workspaces/computes/read',
  'Microsoft.MachineLearningServices/workspaces/computes/write',
  'Microsoft.MachineLearningServices/workspaces/models/read',
  'Microsoft.MachineLearningServices/workspaces/models/versions/read',
  'Microsoft.MachineLearningServices/workspaces/jobs/read',
  'Microsoft.MachineLearningServices/locations/computeOperationsStatus/read',
  'Microsoft.Resources/tags/read',
  'Microsoft.Resources/tags/write',
  'Microsoft.Resources/subscriptions/resourceGroups/read',
];
