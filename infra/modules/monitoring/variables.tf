variable "log_analytics_name" {
  description = "Log Analytics workspace name."
  type        = string
}

variable "app_insights_name" {
  description = "Application Insights name."
  type        = string
}

variable "resource_group_name" {
  description = "Resource group of both."
  type        = string
}

variable "location" {
  description = "Region of both."
  type        = string
}

variable "retention_in_days" {
  description = "Retention of logs and telemetry."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Tags of both."
  type        = map(string)
}
