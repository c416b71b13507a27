# What operators see of the app in Azure: a workbook over the custom events and metrics the app records, and alerts
# on the failures nobody would otherwise hear of. docs/telemetry.md lists every name and dimension the queries use.
#
# Both are scoped to the Application Insights resource, so the queries use its table names (customEvents,
# customMetrics) although the data lives in the Log Analytics workspace (Microsoft Learn, "Migrate to workspace-based
# Application Insights resources": queries, workbooks and log alerts in the Application Insights experience keep
# the classic names).
#
# The alert rules have no identity and Terraform grants them no role: a log search alert rule without a managed
# identity queries with the permissions of whoever last wrote it (Microsoft Learn, "Create or edit a log search
# alert rule", Identity), here the deploying identity, which already reads the resource group.

locals {
  observability_names = {
    # A workbook's name is a GUID (azurerm application_insights_workbook); derived, like the other names.
    workbook            = uuidv5("url", "https://aml-warden/${var.subscription_id}/${var.name_prefix}/${var.environment}/workbook")
    cd_failures_alert   = "alert-${var.name_prefix}-${var.environment}-cd-failures"
    sweep_overdue_alert = "alert-${var.name_prefix}-${var.environment}-sweep-overdue"
  }
}

resource "azurerm_application_insights_workbook" "operations" {
  name                = local.observability_names.workbook
  resource_group_name = azurerm_resource_group.app.name
  location            = azurerm_resource_group.app.location
  display_name        = "aml-warden (${var.environment})"
  description         = "Compliance, model CD, failed-run notifications and compute-request lead time (docs/telemetry.md)."
  category            = "workbook"
  # Listed under the Application Insights resource's Workbooks; a source id has no uppercase letters.
  source_id = lower(module.monitoring.app_insights_id)
  # The gallery template, opened on this app's Application Insights when no other resource is chosen.
  data_json = jsonencode(merge(jsondecode(file("${path.module}/workbooks/aml-warden.workbook.json")), {
    fallbackResourceIds = [module.monitoring.app_insights_id]
  }))
  tags = local.tags
}

# A model version whose CD could not start: at once when it failed for good (the target refused it, or a secret or
# the configuration is wrong: it is not retried), or when a target keeps failing transiently (Event Grid retries for
# 24 hours, then dead-letters). One alert per CD target.
resource "azurerm_monitor_scheduled_query_rules_alert_v2" "cd_failures" {
  name                 = local.observability_names.cd_failures_alert
  resource_group_name  = azurerm_resource_group.app.name
  location             = azurerm_resource_group.app.location
  display_name         = "aml-warden (${var.environment}): model CD failed"
  description          = "CdFailed: a CD run failed for good, or failed and was retried at least ${var.cd_retried_failures_alert_threshold} times in 15 minutes. The workbook lists the failures; the app's traces say why."
  scopes               = [module.monitoring.app_insights_id]
  severity             = 1
  evaluation_frequency = "PT15M"
  window_duration      = "PT15M"

  criteria {
    query                   = <<-QUERY
      customEvents
      | where name == "CdFailed"
      | extend target = tostring(customDimensions.target), isFinal = tostring(customDimensions.retry) == "false"
      | summarize Final = countif(isFinal), Retried = countif(not(isFinal)) by target
      | extend Failures = iff(Final > 0 or Retried >= ${var.cd_retried_failures_alert_threshold}, Final + Retried, 0)
      QUERY
    time_aggregation_method = "Total"
    metric_measure_column   = "Failures"
    operator                = "GreaterThan"
    threshold               = 0

    dimension {
      name     = "target"
      operator = "Include"
      values   = ["*"]
    }
  }

  action {
    action_groups = var.alert_action_group_ids
  }

  tags = local.tags
}

# The compliance sweep reports completion with ComplianceSweepCompleted once per run, when its last slice closes the
# run (src/sweep/closeRun.ts). None within sweep_overdue_after_hours: the timer did not fire, a run is stuck, or
# the policy lists no subscriptions. Resolves by itself once a sweep completes.
resource "azurerm_monitor_scheduled_query_rules_alert_v2" "sweep_overdue" {
  name                    = local.observability_names.sweep_overdue_alert
  resource_group_name     = azurerm_resource_group.app.name
  location                = azurerm_resource_group.app.location
  display_name            = "aml-warden (${var.environment}): compliance sweep overdue"
  description             = "No ComplianceSweepCompleted in the last ${var.sweep_overdue_after_hours} hours (schedule ${var.sweep_schedule})."
  scopes                  = [module.monitoring.app_insights_id]
  severity                = 2
  evaluation_frequency    = "PT1H"
  window_duration         = "P2D"
  auto_mitigation_enabled = true

  criteria {
    query                   = <<-QUERY
      customEvents
      | where timestamp > ago(${var.sweep_overdue_after_hours}h)
      | where name == "ComplianceSweepCompleted"
      | summarize Completed = count()
      QUERY
    time_aggregation_method = "Total"
    metric_measure_column   = "Completed"
    operator                = "LessThan"
    threshold               = 1
  }

  action {
    action_groups = var.alert_action_group_ids
  }

  tags = local.tags
}
