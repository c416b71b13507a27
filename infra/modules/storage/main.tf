# One account for the Functions host (AzureWebJobsStorage), the deployment package, the state tables and
# Event Grid's dead letters. Shared keys are off: every client authenticates with Entra ID.
resource "azurerm_storage_account" "this" {
  name                            = var.name
  resource_group_name             = var.resource_group_name
  location                        = var.location
  account_kind                    = "StorageV2"
  account_tier                    = "Standard"
  account_replication_type        = var.replication_type
  https_traffic_only_enabled      = true
  min_tls_version                 = "TLS1_2"
  shared_access_key_enabled       = false
  default_to_oauth_authentication = true
  allow_nested_items_to_be_public = false
  local_user_enabled              = false
  tags                            = var.tags

  blob_properties {
    delete_retention_policy {
      days = 7
    }
    container_delete_retention_policy {
      days = 7
    }
  }
}

# Flex Consumption runs the app from a package in this container.
resource "azurerm_storage_container" "deployment" {
  name                  = var.deployment_container_name
  storage_account_id    = azurerm_storage_account.this.id
  container_access_type = "private"
}

# Events Event Grid could not deliver after every retry.
resource "azurerm_storage_container" "dead_letter" {
  name                  = var.dead_letter_container_name
  storage_account_id    = azurerm_storage_account.this.id
  container_access_type = "private"
}

# The app's work queues and the poison queue the Functions host moves a message to after maxDequeueCount
# failures (<queue>-poison). Created here, so neither the host nor the app needs the right to create queues.
resource "azurerm_storage_queue" "work" {
  for_each = toset(flatten([for queue in var.work_queues : [queue, "${queue}-poison"]]))

  name               = each.value
  storage_account_id = azurerm_storage_account.this.id
}

locals {
  dead_letter_container_scope = "${azurerm_storage_account.this.id}/blobServices/default/containers/${azurerm_storage_container.dead_letter.name}"

  # Built-in data roles of the app's identity on this account.
  app_roles = {
    # The Functions host keeps leases, timers and the package in blobs.
    blob = "Storage Blob Data Owner"
    # State: dedup ledger, compute requests, sweep progress.
    table = "Storage Table Data Contributor"
    # The queue triggers read and delete messages and move poison ones (Microsoft Learn, "Azure Queue storage
    # trigger": Storage Queue Data Reader and Storage Queue Data Message Processor); the app and the host send
    # (Storage Queue Data Message Sender). The queues exist already, so nothing may create one.
    queue_reader    = "Storage Queue Data Reader"
    queue_processor = "Storage Queue Data Message Processor"
    queue_sender    = "Storage Queue Data Message Sender"
  }
}

resource "azurerm_role_assignment" "app" {
  for_each = local.app_roles

  name                 = uuidv5("url", "${azurerm_storage_account.this.id}|${each.value}|${var.app_principal_id}")
  scope                = azurerm_storage_account.this.id
  role_definition_name = each.value
  principal_id         = var.app_principal_id
  principal_type       = "ServicePrincipal"
}

resource "azurerm_role_assignment" "dead_letter_writer" {
  name                 = uuidv5("url", "${local.dead_letter_container_scope}|Storage Blob Data Contributor|${var.dead_letter_writer_principal_id}")
  scope                = local.dead_letter_container_scope
  role_definition_name = "Storage Blob Data Contributor"
  principal_id         = var.dead_letter_writer_principal_id
  principal_type       = "ServicePrincipal"
}
