data "azurerm_client_config" "current" {}

locals {
  tags = merge(var.tags, {
    application = "aml-warden"
    environment = var.environment
  })

  # Deterministic, so names survive a state loss and stay globally unique per subscription and environment.
  suffix = substr(sha256("${var.subscription_id}/${var.name_prefix}/${var.environment}"), 0, 6)

  names = {
    resource_group        = "rg-${var.name_prefix}-${var.environment}"
    storage_account       = "st${var.name_prefix}${var.environment}${local.suffix}"
    key_vault             = "kv-${var.name_prefix}-${var.environment}-${local.suffix}"
    log_analytics         = "log-${var.name_prefix}-${var.environment}"
    app_insights          = "appi-${var.name_prefix}-${var.environment}"
    service_plan          = "asp-${var.name_prefix}-${var.environment}"
    function_app          = "func-${var.name_prefix}-${var.environment}-${local.suffix}"
    app_identity          = "id-${var.name_prefix}-${var.environment}"
    eventgrid_identity    = "id-${var.name_prefix}-${var.environment}-eventgrid"
    governance_role       = "aml-warden governance (${var.environment}-${local.suffix})"
    dead_letter_container = "eventgrid-deadletter"
  }

  auth_tenant_id  = var.auth_tenant_id != "" ? var.auth_tenant_id : data.azurerm_client_config.current.tenant_id
  auth_app_id_uri = var.auth_app_id_uri != "" ? var.auth_app_id_uri : "api://${var.auth_client_id}"

  # Without explicit scopes the role goes where the resource events come from.
  governance_scopes = length(var.governance_scopes) > 0 ? var.governance_scopes : [for rg in values(var.governed_resource_groups) : rg.id]
}

resource "azurerm_resource_group" "app" {
  name     = local.names.resource_group
  location = var.location
  tags     = local.tags
}

# The app's identity: Azure ML and tags (custom role), state tables, the Functions host storage, Key Vault secrets.
resource "azurerm_user_assigned_identity" "app" {
  name                = local.names.app_identity
  resource_group_name = azurerm_resource_group.app.name
  location            = azurerm_resource_group.app.location
  tags                = local.tags
}

# Event Grid's identity: writes undeliverable events to the dead-letter container (shared keys are off).
resource "azurerm_user_assigned_identity" "eventgrid" {
  name                = local.names.eventgrid_identity
  resource_group_name = azurerm_resource_group.app.name
  location            = azurerm_resource_group.app.location
  tags                = local.tags
}

module "storage" {
  source = "./modules/storage"

  name                            = local.names.storage_account
  resource_group_name             = azurerm_resource_group.app.name
  location                        = azurerm_resource_group.app.location
  dead_letter_container_name      = local.names.dead_letter_container
  work_queues                     = ["aml-warden-provisioning", "aml-warden-burst-flush", "aml-warden-sweep-slices", "aml-warden-sweep-slices-poison"]
  app_principal_id                = azurerm_user_assigned_identity.app.principal_id
  dead_letter_writer_principal_id = azurerm_user_assigned_identity.eventgrid.principal_id
  tags                            = local.tags
}

module "monitoring" {
  source = "./modules/monitoring"

  log_analytics_name  = local.names.log_analytics
  app_insights_name   = local.names.app_insights
  resource_group_name = azurerm_resource_group.app.name
  location            = azurerm_resource_group.app.location
  retention_in_days   = var.log_retention_days
  tags                = local.tags
}

module "key_vault" {
  source = "./modules/key_vault"

  name                         = local.names.key_vault
  resource_group_name          = azurerm_resource_group.app.name
  location                     = azurerm_resource_group.app.location
  tenant_id                    = data.azurerm_client_config.current.tenant_id
  secret_reader_principal_id   = azurerm_user_assigned_identity.app.principal_id
  secret_officer_principal_ids = var.secret_officer_principal_ids
  tags                         = local.tags
}

module "function_app" {
  source = "./modules/function_app"

  name                           = local.names.function_app
  service_plan_name              = local.names.service_plan
  resource_group_name            = azurerm_resource_group.app.name
  location                       = azurerm_resource_group.app.location
  node_version                   = var.node_version
  maximum_instance_count         = var.maximum_instance_count
  instance_memory_in_mb          = var.instance_memory_in_mb
  identity_id                    = azurerm_user_assigned_identity.app.id
  identity_client_id             = azurerm_user_assigned_identity.app.client_id
  storage_account_name           = module.storage.name
  deployment_container_endpoint  = module.storage.deployment_container_endpoint
  app_insights_connection_string = module.monitoring.app_insights_connection_string
  tags                           = local.tags

  # Every setting the code reads in Azure; values only, never secrets (secrets are named, and read from Key Vault).
  app_settings = {
    AML_WARDEN_POLICY             = var.policy_path
    AML_WARDEN_ARM_ENDPOINT       = var.arm_endpoint
    AML_WARDEN_CREDENTIAL         = "default"
    AML_WARDEN_STATE_TABLE_URL    = module.storage.table_endpoint
    AML_WARDEN_TABLE_PREFIX       = var.table_prefix
    AML_WARDEN_KEYVAULT_URL       = module.key_vault.vault_uri
    AML_WARDEN_SECRET_TTL_SECONDS = tostring(var.secret_ttl_seconds)
    AML_WARDEN_SWEEP_SCHEDULE     = var.sweep_schedule
    AML_WARDEN_EXPIRY_SCHEDULE    = var.expiry_schedule
    # The queue triggers' connection, identity-based (Microsoft Learn, "Identity-based connections").
    AML_WARDEN_QUEUE__queueServiceUri = module.storage.queue_endpoint
    AML_WARDEN_QUEUE__credential      = "managedidentity"
    AML_WARDEN_QUEUE__clientId        = azurerm_user_assigned_identity.app.client_id
    AML_WARDEN_AUTH_TENANT_ID         = local.auth_tenant_id
    AML_WARDEN_AUTH_CLIENT_ID         = var.auth_client_id
    AML_WARDEN_AUTH_APP_ID_URI        = local.auth_app_id_uri
    AML_WARDEN_AUTH_AUTHORITY         = var.auth_authority
    AML_WARDEN_EVENTS_SECRET_NAME     = var.events_secret_name
    AML_WARDEN_EVENTS_ROLE            = var.events_role
    AML_WARDEN_EVENTS_MAX_BATCH       = tostring(var.events_max_batch)
    AML_WARDEN_STUDIO_URL             = var.studio_url
    AML_WARDEN_CONSOLE_URL            = var.console_url
    AML_WARDEN_HTTP_TIMEOUT_MS        = tostring(var.http_timeout_ms)
  }

  # The host needs its storage roles before it starts.
  depends_on = [module.storage]
}

module "governance_role" {
  source = "./modules/governance_role"

  role_name       = local.names.governance_role
  subscription_id = var.subscription_id
  scopes          = local.governance_scopes
  principal_id    = azurerm_user_assigned_identity.app.principal_id

  allow_failed_deployment_deletion = var.allow_failed_deployment_deletion
}

module "event_routing" {
  source = "./modules/event_routing"

  create_subscriptions           = var.deploy_event_subscriptions
  function_app_id                = module.function_app.id
  ml_workspaces                  = var.ml_workspaces
  governed_resource_groups       = var.governed_resource_groups
  eventgrid_identity_id          = azurerm_user_assigned_identity.eventgrid.id
  dead_letter_storage_account_id = module.storage.id
  dead_letter_container_name     = module.storage.dead_letter_container_name
  tags                           = local.tags

  # Dead-lettering needs the blob role in place before a subscription is created.
  depends_on = [module.storage]
}
