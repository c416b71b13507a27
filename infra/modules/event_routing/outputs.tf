output "workspace_system_topic_ids" {
  description = "System topic per ML workspace."
  value       = { for key, topic in azurerm_eventgrid_system_topic.workspace : key => topic.id }
}

output "resource_group_system_topic_ids" {
  description = "System topic per governed resource group."
  value       = { for key, topic in azurerm_eventgrid_system_topic.resource_group : key => topic.id }
}
