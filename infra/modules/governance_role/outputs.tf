output "role_definition_resource_id" {
  description = "Resource id of the role definition."
  value       = azurerm_role_definition.this.role_definition_resource_id
}
