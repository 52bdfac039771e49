package bom

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/slipway-dev/slipway/internal/agent"
	"github.com/slipway-dev/slipway/internal/inventory"
)

func disk(gib int64, typ string) agent.Disk {
	return agent.Disk{Name: "d", SizeBytes: gib * GiB, Type: typ}
}

func TestCheck(t *testing.T) {
	server := agent.Inventory{CPU: agent.CPU{Threads: 32}, MemoryBytes: 251 * GiB,
		Disks: []agent.Disk{disk(960, "ssd"), disk(960, "ssd"), disk(4000, "hdd"), {Name: "usb", SizeBytes: 16 * GiB, Removable: true}}}
	tests := []struct {
		name     string
		declared *inventory.Hardware
		inv      agent.Inventory
		want     []string
		blocks   bool
	}{
		{name: "nothing declared", declared: nil, inv: server},
		{name: "match", inv: server, declared: &inventory.Hardware{CPUs: 32, MemoryGiB: 256,
			Disks: []inventory.Disk{{SizeGiB: 900, Type: "ssd", Count: 2}, {SizeGiB: 2000, Type: "hdd"}}}},
		{name: "untyped disk takes any", inv: server, declared: &inventory.Hardware{Disks: []inventory.Disk{{SizeGiB: 3000}}}},
		{name: "issue example", inv: agent.Inventory{Disks: []agent.Disk{disk(960, "ssd")}},
			declared: &inventory.Hardware{Disks: []inventory.Disk{{SizeGiB: 900, Type: "ssd", Count: 2}}},
			want:     []string{"disks: declared 2 × ≥ 900 GiB ssd, found 1 × 960 GiB ssd"}, blocks: true},
		{name: "fewer cpus and memory", inv: agent.Inventory{CPU: agent.CPU{Threads: 16}, MemoryBytes: 128 * GiB},
			declared: &inventory.Hardware{CPUs: 32, MemoryGiB: 256},
			want:     []string{"cpus: declared 32, found 16", "memory: declared 256 GiB, found 128 GiB"}, blocks: true},
		{name: "memory within slack", inv: agent.Inventory{MemoryBytes: 1000 << 20},
			declared: &inventory.Hardware{MemoryGiB: 1}},
		{name: "no disk", inv: agent.Inventory{}, declared: &inventory.Hardware{Disks: []inventory.Disk{{SizeGiB: 2}}},
			want: []string{"disks: declared 1 × ≥ 2 GiB, found no disk"}, blocks: true},
		{name: "wrong type", inv: agent.Inventory{Disks: []agent.Disk{disk(960, "hdd")}},
			declared: &inventory.Hardware{Disks: []inventory.Disk{{SizeGiB: 900, Type: "nvme"}}},
			want:     []string{"disks: declared 1 × ≥ 900 GiB nvme, found no nvme disk"}, blocks: true},
		{name: "one disk cannot serve two groups", inv: agent.Inventory{Disks: []agent.Disk{disk(960, "ssd")}},
			declared: &inventory.Hardware{Disks: []inventory.Disk{{SizeGiB: 900}, {SizeGiB: 100}}},
			want:     []string{"disks: declared 1 × ≥ 100 GiB, found 1 × 960 GiB ssd"}, blocks: true},
		{name: "warn policy", inv: agent.Inventory{CPU: agent.CPU{Threads: 1}},
			declared: &inventory.Hardware{CPUs: 2, Policy: Warn}, want: []string{"cpus: declared 2, found 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Check(tt.declared, tt.inv)
			assert.Equal(t, tt.want, r.Diffs)
			assert.Equal(t, tt.blocks, r.Blocks())
			assert.Equal(t, tt.declared != nil, r.Declared)
			assert.NotEmpty(t, r.String())
		})
	}
}

func TestGiB(t *testing.T) {
	assert.Equal(t, "1.5 GiB", gib(3*GiB/2))
	assert.Equal(t, "2 GiB", gib(2*GiB))
	assert.Equal(t, "960 GiB", gib(960*GiB))
}
