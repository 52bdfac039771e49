package ui

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/agent"
	"github.com/slipway-dev/slipway/internal/inventory"
)

// TestBOMReadsTheAgentsReport: the rows read agent.Inventory as the agent
// sends it (cpu.threads, memoryBytes, disks[].sizeBytes).
func TestBOMReadsTheAgentsReport(t *testing.T) {
	hw, err := json.Marshal(agent.Inventory{Firmware: "uefi", CPU: agent.CPU{Threads: 2}, MemoryBytes: 1 << 30,
		Disks: []agent.Disk{{Name: "vda", Path: "/dev/vda", SizeBytes: 2 << 30, Type: "hdd"}}})
	require.NoError(t, err)
	m := &machineView{}
	m.Spec = &inventory.MachineSpec{Hardware: &inventory.Hardware{CPUs: 1, MemoryGiB: 1, Disks: []inventory.Disk{{SizeGiB: 2}}}}
	m.Hardware = hw
	rows := bomCheck(m)
	require.Len(t, rows, 3)
	for _, r := range rows {
		assert.True(t, r.Known, "%s inspected", r.Item)
		assert.True(t, r.OK, "%s matches", r.Item)
	}
	assert.Equal(t, "2", rows[0].Inspected)
}
