output "resource_group_name" {
  description = "Resource group of the app."
  value       = azurerm_resource_group.app.name
}

output "function_app_name" {
  description = "Name of the Function App (deploy the zip to it)."
  value       = module.function_app.name
}

output "function_app_url" {
  description = "Base URL of the app; GET <url>/api/health to verify."
  value       = "https://${module.function_app.default_hostname}"
}

output "key_vault_name" {
  description = "Key Vault holding the CD tokens, webhook URLs and signing secrets."
  value       = module.key_vault.name
}

output "key_vault_uri" {
  description = "AML_WARDEN_KEYVAULT_URL."
  value       = module.key_vault.vault_uri
}

output "app_identity_client_id" {
  description = "Client id of the app's user-assigned identity (AZURE_CLIENT_ID)."
  value       = azurerm_user_assigned_identity.app.client_id
}

output "app_identity_principal_id" {
  description = "Object id of the app's identity, e.g. to grant it Azure DevOps access."
  value       = azurerm_user_assigned_identity.app.principal_id
}

output "governance_role_id" {
  description = "Resource id of the custom governance role."
  value       = module.governance_role.role_definition_resource_id
}

output "event_subscriptions_deployed" {
  description = "Whether the Event Grid subscriptions to the functions exist (second apply)."
  value       = var.deploy_event_subscriptions
}
