variable "name" {
  description = "Storage account name (3-24 lowercase letters and digits, globally unique)."
  type        = string
}

variable "resource_group_name" {
  description = "Resource group of the account."
  type        = string
}

variable "location" {
  description = "Region of the account."
  type        = string
}

variable "replication_type" {
  description = "LRS, ZRS, GRS, ..."
  type        = string
  default     = "LRS"
}

variable "work_queues" {
  description = "The app's Storage queues (src/queueNames.ts); each gets a <name>-poison queue too."
  type        = list(string)
}

variable "deployment_container_name" {
  description = "Container of the Flex Consumption deployment package."
  type        = string
  default     = "app-package"
}

variable "dead_letter_container_name" {
  description = "Container of Event Grid dead letters."
  type        = string
}

variable "app_principal_id" {
  description = "Object id of the app's identity."
  type        = string
}

variable "dead_letter_writer_principal_id" {
  description = "Object id of the identity Event Grid dead-letters with."
  type        = string
}

variable "tags" {
  description = "Tags of the account."
  type        = map(string)
}
