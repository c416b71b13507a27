/**
 * The Azure Resource Manager actions the governance adapters perform (`remediation.ts`, `resourceGraph.ts`),
 * as RBAC action names. The app's role must grant each of them; infra tests compare the role with this list.
 * Resource Graph itself needs no action: it answers with what the caller may read.
 */
export const ARM_OPERATIONS: readonly string[] = [
  // Workspaces and computes are re-read before every decision (never the event payload).
  'Microsoft.MachineLearningServices/workspaces/read',
  'Microsoft.MachineLearningServices/workspaces/computes/read',
  // Scale settings, compute-instance idle shutdown, and tags written together with them.
  'Microsoft.MachineLearningServices/workspaces/computes/write',
  // Unfinished jobs on a cluster hold back disruptive changes.
  'Microsoft.MachineLearningServices/workspaces/jobs/read',
  // Tags API: tags on workspaces and computes merged in; resource-group tags read for inheritance.
  'Microsoft.Resources/tags/read',
  'Microsoft.Resources/tags/write',
];
