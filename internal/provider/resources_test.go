package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/slipway-dev/slipway/internal/provider/acctest"
)

// A sha256 that passes validation.
const sum = "9f2c4e1d7b3a58c06e21f4d9a8b7c6e5d4f3a2b1c0e9d8f7a6b5c4d3e2f1a0b9"

const baseConfig = `
resource "slipway_credentials" "bmc" {
  name     = "r1-bmc"
  username = "admin"
  password = "s3cret"
}
resource "slipway_network" "boot" {
  name        = "boot"
  interface   = "eth1"
  subnet      = "198.18.0.0/24"
  gateway     = "198.18.0.1"
  dns         = ["198.18.0.1"]
  range_start = "198.18.0.100"
  range_end   = "198.18.0.200"
  discovery   = true
}
resource "slipway_image" "os" {
  name   = "edge-os"
  url    = "http://198.18.0.1/edge-os.raw.zst"
  format = "raw.zst"
  sha256 = "` + sum + `"
}
`

func machineConfig(role string, cpus int, mac string) string {
	return machineOnly(role, cpus, mac) + `
resource "slipway_cluster" "c" {
  name                   = "edge-1"
  kubernetes_version     = "v1.31.4"
  control_plane_machines = [slipway_machine.m.name]
  worker_selector        = { role = "worker" }
}
`
}

func machineOnly(role string, cpus int, mac string) string {
	return baseConfig + `
resource "slipway_machine" "m" {
  name            = "r1-u01"
  mac             = "` + mac + `"
  rack            = "r1"
  labels          = { role = "` + role + `" }
  network         = slipway_network.boot.name
  ip              = "198.18.0.11"
  bmc_address     = "ipmi://198.18.0.201:623"
  bmc_credentials = slipway_credentials.bmc.name
  image           = slipway_image.os.name
  hardware = {
    cpus       = ` + itoa(cpus) + `
    memory_gib = 8
    disks      = [{ size_gib = 100, type = "ssd" }]
  }
  wait_for_state = "registered"
  wait_timeout   = "30s"
}
`
}

func itoa(n int) string { return string(rune('0'+n/10)) + string(rune('0'+n%10)) }

const driftedMachine = `apiVersion: slipway.dev/v1alpha1
kind: Machine
metadata: {name: r1-u01, labels: {rack: r1, role: storage}}
spec:
  mac: "52:54:00:00:00:01"
  network: boot
  ip: 198.18.0.11
  bmc: {address: "ipmi://198.18.0.201:623", credentialsRef: r1-bmc}
  image: edge-os
  hardware: {cpus: 4, memoryGiB: 8, disks: [{sizeGiB: 100, type: ssd}]}
`

// TestAccMachine: create (waiting for a state), read, update, import, drift
// made through the inventory, and replacement when the MAC changes.
func TestAccMachine(t *testing.T) {
	acctest.Terraform(t)
	a := acctest.Start(t, nil)
	p := a.ProviderBlock("")
	const addr = "slipway_machine.m"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories(),
		Steps: []resource.TestStep{
			{
				Config: p + machineConfig("worker", 4, "52:54:00:00:00:01"),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(addr, "id", "r1-u01"),
					resource.TestCheckResourceAttr(addr, "state", "registered"),
					resource.TestCheckResourceAttr(addr, "rack", "r1"),
					resource.TestCheckResourceAttr(addr, "labels.role", "worker"),
					resource.TestCheckResourceAttr(addr, "hardware.disks.0.size_gib", "100"),
					resource.TestCheckResourceAttrSet(addr, "power"),
					resource.TestCheckResourceAttr("slipway_cluster.c", "control_plane_machines.0", "r1-u01"),
				),
			},
			{
				Config: p + machineConfig("worker", 8, "52:54:00:00:00:01"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					onlyChanged(addr, "hardware"),
				}},
				Check: resource.TestCheckResourceAttr(addr, "hardware.cpus", "8"),
			},
			{
				ResourceName: addr, ImportState: true, ImportStateVerify: true, ImportStateId: "r1-u01",
				ImportStateVerifyIgnore: []string{"wait_for_state", "wait_timeout"},
			},
			{
				// Drift: an inventory file changes the role and the CPU count.
				PreConfig: func() { applyYAML(t, a, driftedMachine) },
				Config:    p + machineConfig("worker", 8, "52:54:00:00:00:01"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					onlyChanged(addr, "labels", "hardware"),
				}},
				Check: resource.TestCheckResourceAttr(addr, "labels.role", "worker"),
			},
			{
				// A new MAC is a new machine (the cluster goes first: it refers to it).
				Config: p + machineOnly("worker", 8, "52:54:00:00:00:02"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionReplace),
				}},
				Check: resource.TestCheckResourceAttr(addr, "mac", "52:54:00:00:00:02"),
			},
		},
	})
}
