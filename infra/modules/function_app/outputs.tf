output "id" {
  description = "Function App id; a function's id is <id>/functions/<name>."
  value       = azurerm_function_app_flex_consumption.this.id
}

output "name" {
  description = "Function App name."
  value       = azurerm_function_app_flex_consumption.this.name
}

output "default_hostname" {
  description = "Host name of the app."
  value       = azurerm_function_app_flex_consumption.this.default_hostname
}
