# A Kubernetes cluster from machine selectors: the control plane is the
# first control_plane_count machines (by name) matching
# control_plane_selector; workers are every machine matching worker_selector.
terraform {
  required_providers {
    slipway = { source = "slipway-dev/slipway" }
  }
}

variable "name" {
  description = "Cluster name."
  type        = string
}

variable "kubernetes_version" {
  description = "Kubernetes version (v1.31.4)."
  type        = string
}

variable "control_plane_selector" {
  description = "Labels selecting control-plane candidates."
  type        = map(string)
}

variable "control_plane_count" {
  description = "How many control-plane machines (1 or 3)."
  type        = number
  default     = 1
  validation {
    condition     = contains([1, 3], var.control_plane_count)
    error_message = "control_plane_count must be 1 or 3."
  }
}

variable "worker_selector" {
  description = "Labels selecting the workers."
  type        = map(string)
  default     = null
}

variable "fleet" {
  description = "The Fleet the cluster belongs to."
  type        = string
  default     = null
}

variable "machine_ids" {
  description = "IDs of machines created in the same run (pass module.rack.ids): the selectors are read once they exist."
  type        = list(string)
  default     = []
}

data "slipway_machines" "control_plane" {
  # Unknown until the machines passed in machine_ids exist, so the read
  # waits for them on the first apply and happens at plan time afterwards.
  labels = join(",", var.machine_ids) == "" ? var.control_plane_selector : var.control_plane_selector
}

resource "slipway_cluster" "this" {
  name                   = var.name
  kubernetes_version     = var.kubernetes_version
  control_plane_machines = slice(data.slipway_machines.control_plane.names, 0, var.control_plane_count)
  worker_selector        = var.worker_selector
  fleet                  = var.fleet

  lifecycle {
    precondition {
      condition     = length(data.slipway_machines.control_plane.names) >= var.control_plane_count
      error_message = "Not enough machines match control_plane_selector."
    }
  }
}

output "control_plane" {
  description = "The control-plane machines."
  value       = slipway_cluster.this.control_plane_machines
}
