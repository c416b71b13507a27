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

  app_settings = merge(var.app_settings, local.identity_settings)

  # The provider turns site_config's connection string into this setting.
  site_config_settings = {
    APPLICATIONINSIGHTS_CONNECTION_STRING = var.app_insights_connection_string
  }

  # Every setting the app should hold in Azure, and nothing else.
  deployed_app_settings = merge(local.app_settings, local.site_config_settings)
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

  app_settings = local.app_settings

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

# The provider writes `AzureWebJobsStorage` = "DefaultEndpointsProtocol=https;AccountName=<account>;AccountKey=;..."
# on every create and update, even with identity-based storage, and the host then tries that empty key
# (hashicorp/terraform-provider-azurerm #29693, #30732, #29149; the fix, PR #29099, is open). Its read drops the
# setting from state, so no plan shows it (#33211).
# - `AzureWebJobsStorage = ""` in app_settings wins over the provider's value (MergeUserAppSettings) but still
#   leaves an empty connection string, which the host has tripped on (Azure/azure-functions-host #11796), and a
#   diff on every plan (#33211).
# - Building the site with azapi would give up the provider's handling of runtime, scale and deployment storage.
# So the complete intended set is PUT after the provider: a PUT of config/appsettings replaces the whole set,
# which drops `AzureWebJobsStorage` alone. An action, not azapi_update_resource: a GET of config/appsettings
# returns no values (Azure/terraform-provider-azapi #1167), so there is no drift to track. It runs again when the
# settings change and, through replace_triggered_by, on every update of the app, since each writes it back.
resource "azapi_resource_action" "app_settings" {
  type        = "Microsoft.Web/sites/config@2023-12-01"
  resource_id = "${azurerm_function_app_flex_consumption.this.id}/config/appsettings"
  method      = "PUT"

  body = {
    properties = local.deployed_app_settings
  }

  lifecycle {
    replace_triggered_by = [azurerm_function_app_flex_consumption.this]
  }
}
