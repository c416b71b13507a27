variable "name" {
  description = "Key Vault name (3-24 characters, globally unique)."
  type        = string
}

variable "resource_group_name" {
  description = "Resource group of the vault."
  type        = string
}

variable "location" {
  description = "Region of the vault."
  type        = string
}

variable "tenant_id" {
  description = "Entra ID tenant of the vault."
  type        = string
}

variable "secret_reader_principal_id" {
  description = "Object id of the app's identity (reads secrets)."
  type        = string
}

variable "secret_officer_principal_ids" {
  description = "Object ids allowed to set secrets."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags of the vault."
  type        = map(string)
}
