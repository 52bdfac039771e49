package ui

import (
	"encoding/json"
	"fmt"
)

// inspected is what the BOM check reads from an agent's hardware report;
// the report's other fields are shown as they are.
type inspected struct {
	// CPU is the agent's report (agent.Inventory: cpu.threads); CPUs and
	// Cores are older flat shapes.
	CPU *struct {
		Threads *int `json:"threads"`
	} `json:"cpu"`
	CPUs      *int     `json:"cpus"`
	Cores     *int     `json:"cores"`
	MemoryGiB *float64 `json:"memoryGiB"`
	Memory    *float64 `json:"memoryBytes"`
	Disks     []struct {
		SizeGiB *float64 `json:"sizeGiB"`
		Size    *float64 `json:"sizeBytes"`
		Type    string   `json:"type"`
	} `json:"disks"`
}

// bomCheck compares the declared hardware with the inspected report.
func bomCheck(m *machineView) []bomRow {
	if m.Spec == nil || m.Spec.Hardware == nil {
		return nil
	}
	want := m.Spec.Hardware
	var got inspected
	have := len(m.Hardware) > 0 && json.Unmarshal(m.Hardware, &got) == nil
	var rows []bomRow
	if want.CPUs > 0 {
		row := bomRow{Item: "CPUs", Declared: fmt.Sprint(want.CPUs)}
		cpus := got.CPUs
		if got.CPU != nil && got.CPU.Threads != nil {
			cpus = got.CPU.Threads
		}
		if cpus == nil {
			cpus = got.Cores
		}
		if have && cpus != nil {
			// as internal/bom: fewer than declared is a mismatch
			row.Known, row.Inspected, row.OK = true, fmt.Sprint(*cpus), *cpus >= want.CPUs
		}
		rows = append(rows, row)
	}
	if want.MemoryGiB > 0 {
		row := bomRow{Item: "Memory", Declared: fmt.Sprintf("%d GiB", want.MemoryGiB)}
		gib := got.MemoryGiB
		if gib == nil && got.Memory != nil {
			v := *got.Memory / (1 << 30)
			gib = &v
		}
		if have && gib != nil {
			row.Known, row.Inspected = true, fmt.Sprintf("%.0f GiB", *gib)
			row.OK = *gib >= float64(want.MemoryGiB)*0.95
		}
		rows = append(rows, row)
	}
	for i, d := range want.Disks {
		n := max(d.Count, 1)
		row := bomRow{Item: fmt.Sprintf("Disk %d", i+1), Declared: fmt.Sprintf("%d × %d GiB %s", n, d.SizeGiB, d.Type)}
		if have && got.Disks != nil {
			row.Known = true
			matched := 0
			for _, g := range got.Disks {
				size := g.SizeGiB
				if size == nil && g.Size != nil {
					v := *g.Size / (1 << 30)
					size = &v
				}
				if size != nil && *size >= float64(d.SizeGiB)*0.95 && (d.Type == "" || d.Type == g.Type) {
					matched++
				}
			}
			row.Inspected, row.OK = fmt.Sprintf("%d matching", matched), matched >= n
		}
		rows = append(rows, row)
	}
	return rows
}
