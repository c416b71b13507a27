resource "azurerm_service_plan" "this" {
  name                = var.service_plan_name
  resource_group_name = var.resource_group_name
  location            = var.location
  os_type             = "Linux"
  sku_name            = "FC1"
  tags                = var.tags
}

locals {
  # Identity-based host storage and the client id DefaultAzureCredential picks the user-assigned identity by.
  identity_settings = {
    AZURE_CLIENT_ID                  = var.identity_client_id
    AzureWebJobsStorage__accountName = var.storage_account_name
    AzureWebJobsStorage__credential  = "managedidentity"
    AzureWebJobsStorage__clientId    = var.identity_client_id
  }
}

resource "azurerm_function_app_flex_consumption" "this" {
  name                = var.name
  resource_group_name = var.resource_group_name
  location            = var.location
  service_plan_id     = azurerm_service_plan.this.id

  runtime_name           = "node"
  runtime_version        = var.node_version
  maximum_instance_count = var.maximum_instance_count
  instance_memory_in_mb  = var.instance_memory_in_mb

  # The package container is read with the app's identity, not a key.
  storage_container_type            = "blobContainer"
  storage_container_endpoint        = var.deployment_container_endpoint
  storage_authentication_type       = "UserAssignedIdentity"
  storage_user_assigned_identity_id = var.identity_id

  https_only                                     = true
  public_network_access_enabled                  = true
  webdeploy_publish_basic_authentication_enabled = false
  client_certificate_mode                        = "Optional"

  identity {
    type         = "UserAssigned"
    identity_ids = [var.identity_id]
  }

  site_config {
    minimum_tls_version                    = "1.2"
    scm_minimum_tls_version                = "1.2"
    http2_enabled                          = true
    remote_debugging_enabled               = false
    application_insights_connection_string = var.app_insights_connection_string
  }

  app_settings = merge(var.app_settings, local.identity_settings)

  tags = var.tags
}

# Flex Consumption has no `ftps_state`; FTP publishing is switched off through the publishing-credentials policy.
resource "azapi_update_resource" "ftp_publishing_off" {
  type      = "Microsoft.Web/sites/basicPublishingCredentialsPolicies@2023-12-01"
  name      = "ftp"
  parent_id = azurerm_function_app_flex_consumption.this.id

  body = {
    properties = {
      allow = false
    }
  }
}
