output "id" {
  description = "Storage account id."
  value       = azurerm_storage_account.this.id
}

output "name" {
  description = "Storage account name (AzureWebJobsStorage__accountName)."
  value       = azurerm_storage_account.this.name
}

output "table_endpoint" {
  description = "Table service URL (AML_WARDEN_STATE_TABLE_URL)."
  value       = azurerm_storage_account.this.primary_table_endpoint
}

output "queue_endpoint" {
  description = "Queue service URL (AML_WARDEN_QUEUE__queueServiceUri)."
  value       = azurerm_storage_account.this.primary_queue_endpoint
}

output "deployment_container_endpoint" {
  description = "URL of the deployment package container."
  value       = "${azurerm_storage_account.this.primary_blob_endpoint}${azurerm_storage_container.deployment.name}"
}

output "dead_letter_container_name" {
  description = "Name of the dead-letter container."
  value       = azurerm_storage_container.dead_letter.name
}

output "role_assignment_ids" {
  description = "Data role assignments, for callers that must wait for them."
  value       = concat([for a in azurerm_role_assignment.app : a.id], [azurerm_role_assignment.dead_letter_writer.id])
}
