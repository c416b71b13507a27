# Development: a sandbox subscription, the playground workspace's real twin, audit-only policy.
subscription_id = "00000000-0000-0000-0000-000000000000"
environment     = "dev"
location        = "eastus"

tags = {
  owner         = "mlops-team@contoso.com"
  "cost-center" = "cc-1234"
}

policy_path = "policy/default.yaml"
# The API app registration: its application (client) ID, and its Application ID URI (default api://<client ID>).
auth_client_id  = "00000000-0000-0000-0000-000000000000"
auth_app_id_uri = "api://aml-warden-dev"

ml_workspaces = {
  mlw-demo = {
    id       = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-mlops-demo/providers/Microsoft.MachineLearningServices/workspaces/mlw-demo"
    location = "eastus"
  }
}

governed_resource_groups = {
  rg-mlops-demo = {
    id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-mlops-demo"
  }
}

# First apply: false. Deploy the zip, then apply again with true (README.md, "Two-step apply").
deploy_event_subscriptions = false
