# terraform init -backend-config=environments/test.backend.hcl
resource_group_name  = "rg-amlwarden-tfstate"
storage_account_name = "stamlwardentfstate"
container_name       = "tfstate"
key                  = "aml-warden-test.tfstate"
use_azuread_auth     = true
