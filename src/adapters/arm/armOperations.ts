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
  // Failed-run notices re-read the job; unfinished jobs on a cluster hold back disruptive changes.
  'Microsoft.MachineLearningServices/workspaces/jobs/read',
  // Tags API: tags on workspaces and computes merged in; resource-group tags read (through the Tags API) for inheritance.
  'Microsoft.Resources/tags/read',
  'Microsoft.Resources/tags/write',
];
