locals {
  # The Azure ML events the app handles (src/events), delivered to the `amlEvents` function. RunStatusChanged
  # has its own subscription (aml_failed_runs below).
  aml_event_types = [
    "Microsoft.MachineLearningServices.ModelRegistered",
    "Microsoft.MachineLearningServices.ModelDeployed",
    "Microsoft.MachineLearningServices.RunCompleted",
    "Microsoft.MachineLearningServices.DatasetDriftDetected",
  ]

  # Event Grid retries for at most 24 hours; then the event goes to the dead-letter container.
  retry = {
    max_delivery_attempts = 30
    event_time_to_live    = 1440
  }

  # A resource id is /subscriptions/<sub>/resourceGroups/<rg>/...; system topics live beside their source.
  workspace_resource_groups = { for key, ws in var.ml_workspaces : key => split("/", ws.id)[4] }
  governed_group_names      = { for key, rg in var.governed_resource_groups : key => split("/", rg.id)[4] }
}

# Step 1 (always): the system topics. A source has at most one system topic; see README.md if one exists.
resource "azurerm_eventgrid_system_topic" "workspace" {
  for_each = var.ml_workspaces

  name                = "evgt-${each.key}-aml"
  resource_group_name = local.workspace_resource_groups[each.key]
  location            = each.value.location
  source_resource_id  = each.value.id
  topic_type          = "Microsoft.MachineLearningServices.Workspaces"
  tags                = var.tags

  identity {
    type         = "UserAssigned"
    identity_ids = [var.eventgrid_identity_id]
  }
}

resource "azurerm_eventgrid_system_topic" "resource_group" {
  for_each = var.governed_resource_groups

  name                = "evgt-${each.key}-resources"
  resource_group_name = local.governed_group_names[each.key]
  location            = "Global"
  source_resource_id  = each.value.id
  topic_type          = "Microsoft.Resources.ResourceGroups"
  tags                = var.tags

  identity {
    type         = "UserAssigned"
    identity_ids = [var.eventgrid_identity_id]
  }
}

# Step 2 (deploy_event_subscriptions = true, after the code is deployed): Azure checks that a function
# endpoint exists when the subscription is created.
resource "azurerm_eventgrid_system_topic_event_subscription" "aml_events" {
  for_each = var.create_subscriptions ? var.ml_workspaces : {}

  name                  = "evgs-${each.key}-aml-events"
  system_topic          = azurerm_eventgrid_system_topic.workspace[each.key].name
  resource_group_name   = azurerm_eventgrid_system_topic.workspace[each.key].resource_group_name
  event_delivery_schema = "EventGridSchema"
  included_event_types  = local.aml_event_types

  azure_function_endpoint {
    function_id                       = "${var.function_app_id}/functions/amlEvents"
    max_events_per_batch              = 1
    preferred_batch_size_in_kilobytes = 64
  }

  retry_policy {
    max_delivery_attempts = local.retry.max_delivery_attempts
    event_time_to_live    = local.retry.event_time_to_live
  }

  dead_letter_identity {
    type                   = "UserAssigned"
    user_assigned_identity = var.eventgrid_identity_id
  }

  storage_blob_dead_letter_destination {
    storage_account_id          = var.dead_letter_storage_account_id
    storage_blob_container_name = var.dead_letter_container_name
  }
}

# RunStatusChanged is raised on every status change of a run (Running, Finalizing, Completed, Failed...;
# MicrosoftDocs/azure-docs articles/event-grid/event-schema-machine-learning.md), and the app acts on failures
# (here) and on jobs about to run or running (aml_active_runs, judged against the policy's jobs: rules), so Event
# Grid drops the rest. String comparisons ignore case (articles/event-grid/event-filtering.md),
# which matches both "failed" and "Failed" as they occur on the wire. A separate subscription, because an event
# without the filter's key never matches StringIn (same page): on aml_events the filter would drop every other
# event type.
resource "azurerm_eventgrid_system_topic_event_subscription" "aml_failed_runs" {
  for_each = var.create_subscriptions ? var.ml_workspaces : {}

  name                  = "evgs-${each.key}-aml-failed-runs"
  system_topic          = azurerm_eventgrid_system_topic.workspace[each.key].name
  resource_group_name   = azurerm_eventgrid_system_topic.workspace[each.key].resource_group_name
  event_delivery_schema = "EventGridSchema"
  included_event_types  = ["Microsoft.MachineLearningServices.RunStatusChanged"]

  advanced_filter {
    string_in {
      key    = "data.runStatus"
      values = ["Failed"]
    }
  }

  azure_function_endpoint {
    function_id                       = "${var.function_app_id}/functions/amlEvents"
    max_events_per_batch              = 1
    preferred_batch_size_in_kilobytes = 64
  }

  retry_policy {
    max_delivery_attempts = local.retry.max_delivery_attempts
    event_time_to_live    = local.retry.event_time_to_live
  }

  dead_letter_identity {
    type                   = "UserAssigned"
    user_assigned_identity = var.eventgrid_identity_id
  }

  storage_blob_dead_letter_destination {
    storage_account_id          = var.dead_letter_storage_account_id
    storage_blob_container_name = var.dead_letter_container_name
  }
}

# Jobs about to spend or spending (mfe.json 2024-04-01 `JobStatus`: NotStarted, Starting, Preparing, Queued,
# Provisioning, Running): the app judges each against the policy's jobs: rules, and cancels one in enforce mode when
# they say `action: cancel` (src/jobs/onRunStatusChanged.ts GOVERNED_JOB_STATUSES; a test ties the two lists).
resource "azurerm_eventgrid_system_topic_event_subscription" "aml_active_runs" {
  for_each = var.create_subscriptions ? var.ml_workspaces : {}

  name                  = "evgs-${each.key}-aml-active-runs"
  system_topic          = azurerm_eventgrid_system_topic.workspace[each.key].name
  resource_group_name   = azurerm_eventgrid_system_topic.workspace[each.key].resource_group_name
  event_delivery_schema = "EventGridSchema"
  included_event_types  = ["Microsoft.MachineLearningServices.RunStatusChanged"]

  advanced_filter {
    string_in {
      key    = "data.runStatus"
      values = ["NotStarted", "Starting", "Preparing", "Queued", "Provisioning", "Running"]
    }
  }

  azure_function_endpoint {
    function_id                       = "${var.function_app_id}/functions/amlEvents"
    max_events_per_batch              = 1
    preferred_batch_size_in_kilobytes = 64
  }

  retry_policy {
    max_delivery_attempts = local.retry.max_delivery_attempts
    event_time_to_live    = local.retry.event_time_to_live
  }

  dead_letter_identity {
    type                   = "UserAssigned"
    user_assigned_identity = var.eventgrid_identity_id
  }

  storage_blob_dead_letter_destination {
    storage_account_id          = var.dead_letter_storage_account_id
    storage_blob_container_name = var.dead_letter_container_name
  }
}

resource "azurerm_eventgrid_system_topic_event_subscription" "resource_events" {
  for_each = var.create_subscriptions ? var.governed_resource_groups : {}

  name                  = "evgs-${each.key}-resource-events"
  system_topic          = azurerm_eventgrid_system_topic.resource_group[each.key].name
  resource_group_name   = azurerm_eventgrid_system_topic.resource_group[each.key].resource_group_name
  event_delivery_schema = "EventGridSchema"
  included_event_types  = ["Microsoft.Resources.ResourceWriteSuccess"]

  # Only writes of ML workspaces and their computes (and their children); other resources never reach the app.
  advanced_filter {
    string_begins_with {
      key    = "data.operationName"
      values = ["Microsoft.MachineLearningServices/workspaces"]
    }
  }

  azure_function_endpoint {
    function_id                       = "${var.function_app_id}/functions/resourceEvents"
    max_events_per_batch              = 1
    preferred_batch_size_in_kilobytes = 64
  }

  retry_policy {
    max_delivery_attempts = local.retry.max_delivery_attempts
    event_time_to_live    = local.retry.event_time_to_live
  }

  dead_letter_identity {
    type                   = "UserAssigned"
    user_assigned_identity = var.eventgrid_identity_id
  }

  storage_blob_dead_letter_destination {
    storage_account_id          = var.dead_letter_storage_account_id
    storage_blob_container_name = var.dead_letter_container_name
  }
}
