# A rack of machines from a list of units, MACs and BMC addresses. Each
# machine is named <rack>-u<unit> (r1-u07) and labelled rack and unit.
terraform {
  required_providers {
    slipway = { source = "slipway-dev/slipway" }
  }
}

variable "rack" {
  description = "Rack name (a DNS label): the machines' name prefix and rack label."
  type        = string
}

variable "machines" {
  description = "One entry per server: its unit, boot MAC, BMC address and (optionally) reserved IP."
  type = list(object({
    unit        = number
    mac         = string
    bmc_address = string
    ip          = optional(string)
    labels      = optional(map(string), {})
  }))
}

variable "network" {
  description = "The Network the machines boot on."
  type        = string
  default     = null
}

variable "credentials" {
  description = "The BMC credentials (slipway_credentials name) shared by the rack."
  type        = string
  default     = null
}

variable "image" {
  description = "The Image the machines install."
  type        = string
  default     = null
}

variable "labels" {
  description = "Labels every machine of the rack carries."
  type        = map(string)
  default     = {}
}

variable "hardware" {
  description = "The bill of materials every machine is checked against."
  type = object({
    cpus       = optional(number)
    memory_gib = optional(number)
    policy     = optional(string)
    disks = optional(list(object({
      size_gib = number
      type     = optional(string)
      count    = optional(number)
    })))
  })
  default = null
}

resource "slipway_machine" "this" {
  for_each = { for m in var.machines : format("%s-u%02d", var.rack, m.unit) => m }

  name            = each.key
  mac             = each.value.mac
  rack            = var.rack
  labels          = merge(var.labels, each.value.labels, { unit = tostring(each.value.unit) })
  network         = var.network
  ip              = each.value.ip
  bmc_address     = each.value.bmc_address
  bmc_credentials = var.credentials
  image           = var.image
  hardware        = var.hardware
}

output "ids" {
  description = "The machines' IDs (known once they exist)."
  value       = [for m in slipway_machine.this : m.id]
}

output "names" {
  description = "The machines' names, sorted."
  value       = sort(keys(slipway_machine.this))
}
