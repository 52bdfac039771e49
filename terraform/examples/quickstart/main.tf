# Quickstart: declare a small rack with Terraform against a running
# appliance (`make run`). Run from this directory:
#
#   export TF_CLI_CONFIG_FILE=$PWD/../../../.cache/terraform/terraformrc   # written by make
#   export SLIPWAY_SERVER=https://127.0.0.1:8443
#   export SLIPWAY_TOKEN=$(cat ../../../.cache/run/admin.token)
#   export SLIPWAY_CA_FILE=$PWD/../../../.cache/run/pki/ca.crt
#   ../../../.cache/bin/terraform init && ../../../.cache/bin/terraform apply
terraform {
  required_providers {
    slipway = { source = "slipway-dev/slipway" }
  }
}

resource "slipway_network" "qs" {
  name      = "quickstart"
  interface = "slipway2"
  subnet    = "198.18.2.0/24"
  gateway   = "198.18.2.1"
}

resource "slipway_credentials" "qs" {
  name     = "qs-bmc"
  username = "admin"
  password = "password"
}

resource "slipway_machine" "node" {
  for_each = { "qs-u01" = "52:54:00:77:03:01", "qs-u02" = "52:54:00:77:03:02" }

  name            = each.key
  mac             = each.value
  rack            = "qs"
  network         = slipway_network.qs.name
  labels          = { role = "worker" }
  bmc_address     = "ipmi://198.18.2.1:6250"
  bmc_credentials = slipway_credentials.qs.name
}

# Every registered worker the appliance knows, read back through the API.
data "slipway_machines" "workers" {
  labels     = { rack = "qs" }
  depends_on = [slipway_machine.node]
}

output "workers" {
  value = [for m in data.slipway_machines.workers.machines : "${m.name} ${m.state}"]
}
