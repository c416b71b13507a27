provider "azurerm" {
  subscription_id = var.subscription_id

  # Shared-key access is off on every storage account, so data-plane calls must use Entra ID.
  storage_use_azuread = true

  features {
    key_vault {
      # Secrets outlive a `terraform destroy` until purge protection's retention ends.
      purge_soft_delete_on_destroy = false
    }
  }
}

provider "azapi" {
  subscription_id = var.subscription_id
}
