# Holds the CD tokens, webhook URLs and signing secrets. Terraform creates no secret: values would land in
# the state file. Operators set them (README.md, "Set the Key Vault secrets"); the app reads them by name.
resource "azurerm_key_vault" "this" {
  name                          = var.name
  resource_group_name           = var.resource_group_name
  location                      = var.location
  tenant_id                     = var.tenant_id
  sku_name                      = "standard"
  rbac_authorization_enabled    = true
  purge_protection_enabled      = true
  soft_delete_retention_days    = 30
  public_network_access_enabled = true
  tags                          = var.tags
}

resource "azurerm_role_assignment" "secret_reader" {
  name                 = uuidv5("url", "${azurerm_key_vault.this.id}|Key Vault Secrets User|${var.secret_reader_principal_id}")
  scope                = azurerm_key_vault.this.id
  role_definition_name = "Key Vault Secrets User"
  principal_id         = var.secret_reader_principal_id
  principal_type       = "ServicePrincipal"
}

resource "azurerm_role_assignment" "secret_officer" {
  for_each = toset(var.secret_officer_principal_ids)

  name                 = uuidv5("url", "${azurerm_key_vault.this.id}|Key Vault Secrets Officer|${each.value}")
  scope                = azurerm_key_vault.this.id
  role_definition_name = "Key Vault Secrets Officer"
  principal_id         = each.value
}
