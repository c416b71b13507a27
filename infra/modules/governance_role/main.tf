# Exactly the Azure Resource Manager operations the app performs; nothing else. No wildcards, no deletes:
# remediation writes only the difference and never removes a compute.
resource "azurerm_role_definition" "this" {
  name        = var.role_name
  scope       = "/subscriptions/${var.subscription_id}"
  description = "aml-warden: read Azure ML workspaces, computes, model versions and jobs; update computes and tags."

  permissions {
    actions = [
      "Microsoft.MachineLearningServices/workspaces/read",
      "Microsoft.MachineLearningServices/workspaces/computes/read",
      "Microsoft.MachineLearningServices/workspaces/computes/write",
      "Microsoft.MachineLearningServices/workspaces/models/read",
      "Microsoft.MachineLearningServices/workspaces/models/versions/read",
      "Microsoft.MachineLearningServices/workspaces/jobs/read",
      "Microsoft.MachineLearningServices/locations/computeOperationsStatus/read",
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
