# Model monitoring → retraining: an action group whose secure webhook posts Azure Monitor alerts, in the common
# alert schema, to the app's POST /api/monitor-alerts. Point the alert rules on the Azure ML model monitors' metrics
# at this action group; a Fired alert starts the monitor's retraining target (policy `modelMonitoring`).
#
# Secure webhook (Microsoft Learn, "Action groups", Secure webhook): Azure Monitor gets an Entra ID token for the
# app registration's identifier URI as the service principal "AzNS AAD Webhook"
# (appId 461e8683-5575-4561-ac7f-899cc907d62a). That principal must hold the API's `MonitorAlertSender` app role,
# and nothing else: infra/README.md, "Model monitoring alerts". Common alert schema: Microsoft Learn, "Common alert
# schema" (schemaId azureMonitorCommonAlertSchema).

variable "model_monitor_alerts_app_object_id" {
  description = "The API app registration's object ID (not its client ID): secure webhooks name the app by it. Empty = no model-monitoring action group."
  type        = string
  default     = ""

  validation {
    condition     = var.model_monitor_alerts_app_object_id == "" || can(regex("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", var.model_monitor_alerts_app_object_id))
    error_message = "model_monitor_alerts_app_object_id must be the API app registration's object ID, a GUID, or empty."
  }
}

resource "azurerm_monitor_action_group" "model_monitor_alerts" {
  count               = var.model_monitor_alerts_app_object_id == "" ? 0 : 1
  name                = "ag-${var.name_prefix}-${var.environment}-model-monitor"
  resource_group_name = azurerm_resource_group.app.name
  # At most 12 characters (azurerm_monitor_action_group).
  short_name = "amlw-retrain"
  tags       = local.tags

  webhook_receiver {
    name                    = "aml-warden-monitor-alerts"
    service_uri             = "https://${module.function_app.default_hostname}/api/monitor-alerts"
    use_common_alert_schema = true

    aad_auth {
      object_id      = var.model_monitor_alerts_app_object_id
      identifier_uri = local.auth_app_id_uri
      tenant_id      = local.auth_tenant_id
    }
  }
}
