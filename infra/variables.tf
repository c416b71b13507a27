variable "subscription_id" {
  description = "Subscription that hosts the app (and, for Event Grid wiring, the governed ML workspaces)."
  type        = string
}

variable "environment" {
  description = "Deployment environment: dev, test or prod."
  type        = string

  validation {
    condition     = contains(["dev", "test", "prod"], var.environment)
    error_message = "environment must be one of dev, test, prod."
  }
}

variable "location" {
  description = "Azure region for the app's resources (must offer the Flex Consumption plan)."
  type        = string
}

variable "name_prefix" {
  description = "Short prefix of resource names: lowercase letters and digits, 3 to 9 characters."
  type        = string
  default     = "amlwarden"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{2,8}$", var.name_prefix))
    error_message = "name_prefix must be 3-9 lowercase letters or digits, starting with a letter."
  }
}

variable "tags" {
  description = "Tags for every resource; `application` and `environment` are always added."
  type        = map(string)
  default     = {}
}

# Flex Consumption runs Node.js 20 and 22 (MicrosoftDocs/azure-docs articles/azure-functions/flex-consumption-plan.md).
variable "node_version" {
  description = "Node.js major version of the Functions runtime: 22, or 20 (still supported)."
  type        = string
  default     = "22"

  validation {
    condition     = contains(["20", "22"], var.node_version)
    error_message = "node_version must be 20 or 22."
  }
}

variable "maximum_instance_count" {
  description = "Upper bound of Flex Consumption scale-out."
  type        = number
  default     = 40
}

variable "instance_memory_in_mb" {
  description = "Flex Consumption instance memory (2048 or 4096)."
  type        = number
  default     = 2048
}

variable "log_retention_days" {
  description = "Log Analytics retention."
  type        = number
  default     = 30
}

variable "policy_path" {
  description = "AML_WARDEN_POLICY: policy file inside the deployed package."
  type        = string
  default     = "policy/default.yaml"
}

variable "arm_endpoint" {
  description = "AML_WARDEN_ARM_ENDPOINT: Azure Resource Manager base URL."
  type        = string
  default     = "https://management.azure.com"
}

variable "table_prefix" {
  description = "AML_WARDEN_TABLE_PREFIX: prefix of the state tables."
  type        = string
  default     = "amlwarden"
}

variable "secret_ttl_seconds" {
  description = "AML_WARDEN_SECRET_TTL_SECONDS: how long Key Vault secrets are cached."
  type        = number
  default     = 300
}

variable "sweep_schedule" {
  description = "AML_WARDEN_SWEEP_SCHEDULE: NCRONTAB (6 fields) of the compliance sweep."
  type        = string
  default     = "0 0 */6 * * *"
}

variable "expiry_schedule" {
  description = "AML_WARDEN_EXPIRY_SCHEDULE: NCRONTAB (6 fields) of the compute-request expiry (expires pending requests, queues again stalled approved ones)."
  type        = string
  default     = "0 */15 * * * *"
}

variable "auth_tenant_id" {
  description = "AML_WARDEN_AUTH_TENANT_ID: the Entra ID tenant whose tokens the API accepts. Empty = the tenant Terraform runs in."
  type        = string
  default     = ""
}

variable "auth_client_id" {
  description = "AML_WARDEN_AUTH_CLIENT_ID: the API app registration's application (client) ID (a GUID)."
  type        = string

  validation {
    condition     = can(regex("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", var.auth_client_id))
    error_message = "auth_client_id must be the API app registration's application (client) ID, a GUID."
  }
}

variable "auth_app_id_uri" {
  description = "AML_WARDEN_AUTH_APP_ID_URI: the API app registration's Application ID URI (the audience of v1.0 tokens). Empty = api://<auth_client_id>, Entra's default."
  type        = string
  default     = ""
}

variable "auth_authority" {
  description = "AML_WARDEN_AUTH_AUTHORITY: the Entra ID authority host (national clouds differ)."
  type        = string
  default     = "https://login.microsoftonline.com"
}

variable "events_role" {
  description = "AML_WARDEN_EVENTS_ROLE: the app role Event Grid's delivery identity holds; bearer tokens posting to /api/events must be an application's and carry it."
  type        = string
  default     = "AzureEventGridSecureWebhookSubscriber"
}

variable "events_max_batch" {
  description = "AML_WARDEN_EVENTS_MAX_BATCH: the most events one delivery to /api/events may carry (Event Grid batches at most 5,000)."
  type        = number
  default     = 5000

  validation {
    condition     = var.events_max_batch >= 1 && var.events_max_batch <= 5000
    error_message = "events_max_batch must be from 1 to 5000."
  }
}

variable "events_secret_name" {
  description = "AML_WARDEN_EVENTS_SECRET_NAME: Key Vault secret holding the shared key of POST /api/events."
  type        = string
  default     = "events-webhook-key"
}

variable "studio_url" {
  description = "AML_WARDEN_STUDIO_URL: Azure ML studio base URL used in notification links."
  type        = string
  default     = "https://ml.azure.com"
}

variable "console_url" {
  description = "AML_WARDEN_CONSOLE_URL: the console's address, https://<function app host>/api/console, which Teams and Slack cards link to; empty for the API's own links. Register https://<function app host>/api/console/ as a single-page application redirect URI of the API's app registration (infra/README.md)."
  type        = string
  default     = ""

  validation {
    condition     = var.console_url == "" || can(regex("^https://[^/]+/api/console$", var.console_url))
    error_message = "console_url is empty or https://<host>/api/console."
  }
}

variable "http_timeout_ms" {
  description = "AML_WARDEN_HTTP_TIMEOUT_MS: timeout of every outbound call, 100 to 60000."
  type        = number
  default     = 10000

  validation {
    condition     = var.http_timeout_ms >= 100 && var.http_timeout_ms <= 60000
    error_message = "http_timeout_ms must be between 100 and 60000 (the app refuses anything else)."
  }
}

variable "ml_workspaces" {
  description = "Azure ML workspaces whose events reach `amlEvents`, keyed by a short name: resource id and region. Workspaces must be in var.subscription_id (see README for other subscriptions)."
  type = map(object({
    id       = string
    location = string
  }))
  default = {}

  validation {
    condition = alltrue([
      for ws in values(var.ml_workspaces) :
      can(regex("(?i)^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\\.MachineLearningServices/workspaces/[^/]+$", ws.id))
    ])
    error_message = "Each ml_workspaces id must be an Azure ML workspace resource id."
  }
}

variable "governed_resource_groups" {
  description = "Resource groups whose ResourceWriteSuccess events on ML workspaces and computes reach `resourceEvents`, keyed by a short name."
  type = map(object({
    id = string
  }))
  default = {}

  validation {
    condition = alltrue([
      for rg in values(var.governed_resource_groups) :
      can(regex("(?i)^/subscriptions/[^/]+/resourceGroups/[^/]+$", rg.id))
    ])
    error_message = "Each governed_resource_groups id must be a resource group id."
  }
}

variable "governance_scopes" {
  description = "Scopes (subscription, resource group or workspace ids) where the app's governance role is assigned. Resource-group scope is needed to inherit tags from the group; subscription scope to sweep whole subscriptions."
  type        = list(string)
  default     = []
}

variable "deploy_event_subscriptions" {
  description = "Create the Event Grid subscriptions to the functions. False on the first apply: Azure validates a function endpoint when the subscription is created, which fails until the code is deployed."
  type        = bool
  default     = false
}

variable "secret_officer_principal_ids" {
  description = "Principals (object ids) that may set the Key Vault secrets (operators, the deployment pipeline)."
  type        = list(string)
  default     = []
}

variable "alert_action_group_ids" {
  description = "Action groups (resource ids) the alert rules notify: CD runs that failed, and a compliance sweep that did not complete. Empty = the alerts fire in Azure Monitor and notify no one."
  type        = list(string)
  default     = []

  validation {
    condition = alltrue([
      for id in var.alert_action_group_ids :
      can(regex("(?i)^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\\.Insights/actionGroups/[^/]+$", id))
    ])
    error_message = "Each alert_action_group_ids entry must be an action group resource id."
  }
}

variable "sweep_overdue_after_hours" {
  description = "Alert when no compliance sweep has completed for this many hours: the longest gap between two runs of sweep_schedule plus a margin for the sweep itself (default: 6 hours + 2)."
  type        = number
  default     = 8

  # The rule queries a window of at most two days (azurerm scheduled_query_rules_alert_v2: window_duration P2D).
  validation {
    condition     = var.sweep_overdue_after_hours >= 1 && var.sweep_overdue_after_hours <= 47 && floor(var.sweep_overdue_after_hours) == var.sweep_overdue_after_hours
    error_message = "sweep_overdue_after_hours must be a whole number of hours from 1 to 47."
  }
}

variable "cd_retried_failures_alert_threshold" {
  description = "Alert when a CD target has this many retried (transient) failures within 15 minutes; any failure for good alerts at once."
  type        = number
  default     = 5

  validation {
    condition     = var.cd_retried_failures_alert_threshold >= 1 && floor(var.cd_retried_failures_alert_threshold) == var.cd_retried_failures_alert_threshold
    error_message = "cd_retried_failures_alert_threshold must be a whole number, at least 1."
  }
}

variable "allow_failed_deployment_deletion" {
  description = "Let the app delete Failed online deployments (a second role with only that action). Needed only when the policy sets onlineEndpoints.failedDeployments.delete.after."
  type        = bool
  default     = false
}
