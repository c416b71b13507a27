/**
 * Every Azure Resource Manager action the app performs, as RBAC action names: the one list the app's
 * custom role is checked against (infra tests compare the Terraform role with it, and fail on a missing
 * action as on a wildcard or delete). Resource Graph itself needs no action: it answers with what the
 * caller may read.
 */
export const ARM_OPERATIONS: readonly string[] = [
  // Workspaces and computes are re-read before every decision (never the event payload).
  'Microsoft.MachineLearningServices/workspaces/read',
  'Microsoft.MachineLearningServices/workspaces/computes/read',
  // Scale settings, compute-instance idle shutdown and tags written together with them; computes created on approval.
  'Microsoft.MachineLearningServices/workspaces/computes/write',
  // A compute creation is polled through its operation status until it succeeds or fails.
  'Microsoft.MachineLearningServices/locations/computeOperationsStatus/read',
  // Model CD re-reads the registered model version and the job (and its parent pipeline job) that produced it.
  'Microsoft.MachineLearningServices/workspaces/models/read',
  'Microsoft.MachineLearningServices/workspaces/models/versions/read',
  // Failed-run notices re-read the job; unfinished jobs on a cluster hold back disruptive changes; jobs: rules judge jobs.
  'Microsoft.MachineLearningServices/workspaces/jobs/read',
  // A job whose rules say `action: cancel` is cancelled in enforce mode (Jobs_Cancel).
  'Microsoft.MachineLearningServices/workspaces/jobs/cancel/action',
  // onlineEndpoints: rules read endpoints and deployments, and cap a deployment's instances (OnlineDeployments_Update).
  'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/read',
  'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments/read',
  'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments/write',
  // Jobs_Cancel and the deployment writes are long-running: polled through their operation results and status.
  'Microsoft.MachineLearningServices/locations/mfeOperationResults/read',
  'Microsoft.MachineLearningServices/locations/mfeOperationsStatus/read',
  // quota: reads usage and quota per location and VM family (Usages_List, Quotas_List).
  'Microsoft.MachineLearningServices/locations/usages/read',
  'Microsoft.MachineLearningServices/locations/quotas/read',
  // Tags API: tags on workspaces and computes merged in; resource-group tags read (through the Tags API) for inheritance.
  'Microsoft.Resources/tags/read',
  'Microsoft.Resources/tags/write',
];

/**
 * Actions the app performs only when the deployer opts in, granted by a role of their own that infra creates only then
 * (`allow_failed_deployment_deletion`): deleting a Failed online deployment the policy opts in to deleting.
 */
export const OPT_IN_ARM_OPERATIONS: readonly string[] = ['Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments/delete'];
