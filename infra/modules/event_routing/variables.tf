variable "create_subscriptions" {
  description = "Create the subscriptions to the functions (second apply, once the code is deployed)."
  type        = bool
}

variable "function_app_id" {
  description = "Id of the Function App."
  type        = string
}

variable "ml_workspaces" {
  description = "Azure ML workspaces (id, location) keyed by a short name."
  type = map(object({
    id       = string
    location = string
  }))
}

variable "governed_resource_groups" {
  description = "Resource groups (id) keyed by a short name."
  type = map(object({
    id = string
  }))
}

variable "eventgrid_identity_id" {
  description = "User-assigned identity Event Grid dead-letters with."
  type        = string
}

variable "dead_letter_storage_account_id" {
  description = "Storage account of the dead-letter container."
  type        = string
}

variable "dead_letter_container_name" {
  description = "Dead-letter container."
  type        = string
}

variable "tags" {
  description = "Tags of the system topics."
  type        = map(string)
}
