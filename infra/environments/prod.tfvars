# Production: larger scale-out bound and longer log retention.
subscription_id = "00000000-0000-0000-0000-000000000000"
environment     = "prod"
location        = "eastus"

tags = {
  owner         = "mlops-team@contoso.com"
  "cost-center" = "cc-1234"
}

policy_path = "policy/default.yaml"
# The API app registration: its application (client) ID, and its Application ID URI (default api://<client ID>).
auth_client_id         = "00000000-0000-0000-0000-000000000000"
auth_app_id_uri        = "api://aml-warden"
maximum_instance_count = 100
log_retention_days     = 90

ml_workspaces = {
  mlw-prod = {
    id       = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-mlops-prod/providers/Microsoft.MachineLearningServices/workspaces/mlw-prod"
    location = "eastus"
  }
}

governed_resource_groups = {
  rg-mlops-prod = {
    id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-mlops-prod"
  }
}

# Sweep whole subscriptions in prod: assign the role at subscription scope (also covers the groups above).
governance_scopes = [
  "/subscriptions/00000000-0000-0000-0000-000000000000",
]

deploy_event_subscriptions = false
