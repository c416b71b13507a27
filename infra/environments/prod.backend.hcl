# terraform init -backend-config=environments/prod.backend.hcl
resource_group_name  = "rg-amlwarden-tfstate"
storage_account_name = "stamlwardentfstate"
container_name       = "tfstate"
key                  = "aml-warden-prod.tfstate"
use_azuread_auth     = true
