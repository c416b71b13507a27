# Test: mirrors prod's shape in a separate subscription; sweeps more often to surface findings early.
subscription_id = "00000000-0000-0000-0000-000000000000"
environment     = "test"
location        = "eastus"

tags = {
  owner         = "mlops-team@contoso.com"
  "cost-center" = "cc-1234"
}

policy_path = "policy/default.yaml"
# The API app registration: its application (client) ID, and its Application ID URI (default api://<client ID>).
auth_client_id  = "00000000-0000-0000-0000-000000000000"
auth_app_id_uri = "api://aml-warden-test"
sweep_schedule  = "0 0 */2 * * *"

ml_workspaces = {
  mlw-test = {
    id       = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-mlops-test/providers/Microsoft.MachineLearningServices/workspaces/mlw-test"
    location = "eastus"
  }
}

governed_resource_groups = {
  rg-mlops-test = {
    id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-mlops-test"
  }
}

deploy_event_subscriptions = false
