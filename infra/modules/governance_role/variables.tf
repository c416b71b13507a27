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
