output "app_insights_connection_string" {
  description = "APPLICATIONINSIGHTS_CONNECTION_STRING (an ingestion endpoint, not a credential to data)."
  value       = azurerm_application_insights.this.connection_string
  sensitive   = true
}

output "log_analytics_workspace_id" {
  description = "Log Analytics workspace id."
  value       = azurerm_log_analytics_workspace.this.id
}

output "app_insights_id" {
  description = "Application Insights resource id: the scope of the workbook and the alert rules."
  value       = azurerm_application_insights.this.id
}
