# Exactly the Azure Resource Manager operations the app performs; nothing else. No wildcards, no deletes:
# remediation writes only the difference and never removes a compute. Action names: MicrosoftDocs/azure-docs
# articles/role-based-access-control/permissions/ai-machine-learning.md (Microsoft.MachineLearningServices).
resource "azurerm_role_definition" "this" {
  name        = var.role_name
  scope       = "/subscriptions/${var.subscription_id}"
  description = "aml-warden: read Azure ML workspaces, computes, model versions, jobs, online endpoints and quota; update computes, deployment capacity and tags; cancel jobs."

  permissions {
    actions = [
      "Microsoft.MachineLearningServices/workspaces/read",
      "Microsoft.MachineLearningServices/workspaces/computes/read",
      "Microsoft.MachineLearningServices/workspaces/computes/write",
      "Microsoft.MachineLearningServices/workspaces/models/read",
      "Microsoft.MachineLearningServices/workspaces/models/versions/read",
      "Microsoft.MachineLearningServices/workspaces/jobs/read",
      "Microsoft.MachineLearningServices/workspaces/jobs/cancel/action",
      "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/read",
      "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments/read",
      "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments/write",
      "Microsoft.MachineLearningServices/locations/computeOperationsStatus/read",
      "Microsoft.MachineLearningServices/locations/mfeOperationResults/read",
      "Microsoft.MachineLearningServices/locations/mfeOperationsStatus/read",
      "Microsoft.MachineLearningServices/locations/usages/read",
      "Microsoft.MachineLearningServices/locations/quotas/read",
      "Microsoft.Resources/tags/read",
      "Microsoft.Resources/tags/write",
    ]
    not_actions      = []
    data_actions     = []
    not_data_actions = []
  }

  assignable_scopes = length(var.scopes) > 0 ? var.scopes : ["/subscriptions/${var.subscription_id}"]
}

resource "azurerm_role_assignment" "this" {
  for_each = toset(var.scopes)

  name               = uuidv5("url", "${each.value}|${var.role_name}|${var.principal_id}")
  scope              = each.value
  role_definition_id = azurerm_role_definition.this.role_definition_resource_id
  principal_id       = var.principal_id
  principal_type     = "ServicePrincipal"
}

# Deleting a Failed online deployment is opt-in twice: the policy's onlineEndpoints.failedDeployments.delete.after,
# and this role, which exists only when allow_failed_deployment_deletion is true. Without it a deletion the policy
# asks for is refused by Azure (403) and reported; the governance role above never deletes.
resource "azurerm_role_definition" "failed_deployment_deletion" {
  count = var.allow_failed_deployment_deletion ? 1 : 0

  name        = "${var.role_name} (failed deployment deletion)"
  scope       = "/subscriptions/${var.subscription_id}"
  description = "aml-warden: delete Failed online deployments the policy opts in to deleting."

  permissions {
    actions = [
      "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments/delete",
    ]
    not_actions      = []
    data_actions     = []
    not_data_actions = []
  }

  assignable_scopes = length(var.scopes) > 0 ? var.scopes : ["/subscriptions/${var.subscription_id}"]
}

resource "azurerm_role_assignment" "failed_deployment_deletion" {
  for_each = var.allow_failed_deployment_deletion ? toset(var.scopes) : toset([])

  name               = uuidv5("url", "${each.value}|${var.role_name}|failed-deployment-deletion|${var.principal_id}")
  scope              = each.value
  role_definition_id = azurerm_role_definition.failed_deployment_deletion[0].role_definition_resource_id
  principal_id       = var.principal_id
  principal_type     = "ServicePrincipal"
}
