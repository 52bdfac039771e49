# A whole site: the boot network, BMC credentials, one rack and a cluster.
# The appliance runs this module for `slipway plan site` (see
# deploy/examples/slipway.yaml, infra.sites); users can also run it
# directly: export SLIPWAY_SERVER, SLIPWAY_TOKEN, SLIPWAY_CA_FILE, then
# terraform init && terraform apply (with the CLI config `make` writes).
terraform {
  required_providers {
    slipway = { source = "slipway-dev/slipway" }
  }
}

variable "rack" {
  description = "The rack's name."
  type        = string
  default     = "r2"
}

variable "machines" {
  description = "The rack's servers."
  type = list(object({
    unit        = number
    mac         = string
    bmc_address = string
    ip          = optional(string)
    labels      = optional(map(string), {})
  }))
  default = [
    { unit = 5, mac = "52:54:00:77:02:05", bmc_address = "ipmi://198.18.1.1:6245", ip = "198.18.1.105", labels = { role = "control-plane" } },
    { unit = 6, mac = "52:54:00:77:02:06", bmc_address = "ipmi://198.18.1.1:6246", ip = "198.18.1.106", labels = { role = "worker" } },
  ]
}

variable "bmc_password" {
  description = "The BMCs' password (stored sealed by the appliance)."
  type        = string
  sensitive   = true
  default     = "password"
}

resource "slipway_network" "lab" {
  name        = "${var.rack}-net"
  interface   = "slipway1"
  subnet      = "198.18.1.0/24"
  gateway     = "198.18.1.1"
  dns         = ["198.18.1.1"]
  range_start = "198.18.1.200"
  range_end   = "198.18.1.250"
  discovery   = true
}

resource "slipway_credentials" "bmc" {
  name     = "${var.rack}-bmc"
  username = "admin"
  password = var.bmc_password
}

module "rack" {
  source      = "../../modules/rack"
  rack        = var.rack
  machines    = var.machines
  network     = slipway_network.lab.name
  credentials = slipway_credentials.bmc.name
  hardware    = { cpus = 1, memory_gib = 1, disks = [{ size_gib = 8 }] }
}

module "cluster" {
  source                 = "../../modules/cluster"
  name                   = "edge-${var.rack}"
  kubernetes_version     = "v1.37.2"
  control_plane_selector = { rack = var.rack, role = "control-plane" }
  worker_selector        = { rack = var.rack, role = "worker" }
  machine_ids            = module.rack.ids
}

output "machines" {
  value = module.rack.names
}
