terraform {
  # Provider-defined functions and optional object attributes with defaults.
  required_version = ">= 1.8.0"

  required_providers {
    azurerm = {
      source = "hashicorp/azurerm"
      # 4.42 introduced `rbac_authorization_enabled` on azurerm_key_vault.
      version = ">= 4.42.0, < 5.0.0"
    }
    azapi = {
      source  = "Azure/azapi"
      version = ">= 2.0.0, < 3.0.0"
    }
  }

  # Partial configuration: `terraform init -backend-config=environments/<env>.backend.hcl` (see README.md).
  backend "azurerm" {}
}
