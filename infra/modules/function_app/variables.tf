variable "name" {
  description = "Function App name (at most 32 characters, globally unique)."
  type        = string
}

variable "service_plan_name" {
  description = "Flex Consumption plan name."
  type        = string
}

variable "resource_group_name" {
  description = "Resource group of the app."
  type        = string
}

variable "location" {
  description = "Region of the app."
  type        = string
}

variable "node_version" {
  description = "Node.js major version (20 or 22)."
  type        = string
}

variable "maximum_instance_count" {
  description = "Scale-out bound (40-1000)."
  type        = number
}

variable "instance_memory_in_mb" {
  description = "Instance memory (2048 or 4096)."
  type        = number
}

variable "identity_id" {
  description = "Resource id of the app's user-assigned identity."
  type        = string
}

variable "identity_client_id" {
  description = "Client id of the app's user-assigned identity."
  type        = string
}

variable "storage_account_name" {
  description = "Account of AzureWebJobsStorage (identity-based)."
  type        = string
}

variable "deployment_container_endpoint" {
  description = "URL of the deployment package container."
  type        = string
}

variable "app_insights_connection_string" {
  description = "Application Insights connection string."
  type        = string
  sensitive   = true
}

variable "app_settings" {
  description = "The app's own settings (AML_WARDEN_*); names and values, never secrets."
  type        = map(string)
}

variable "tags" {
  description = "Tags of the plan and the app."
  type        = map(string)
}
