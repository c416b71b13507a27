variable "role_name" {
  description = "Display name of the custom role (unique in the tenant)."
  type        = string
}

variable "subscription_id" {
  description = "Subscription the role definition lives in."
  type        = string
}

variable "scopes" {
  description = "Workspace, resource-group or subscription ids where the role is assigned."
  type        = list(string)
}

variable "principal_id" {
  description = "Object id of the app's identity."
  type        = string
}

variable "allow_failed_deployment_deletion" {
  description = "Also grant deleting online deployments, for policies whose onlineEndpoints.failedDeployments.delete.after opts in."
  type        = bool
  default     = false
}
