package inspect

import (
	"fmt"
	"sort"
	"strings"

	"github.com/jaypipes/ghw"

	"github.com/slipway-dev/slipway/internal/agent"
)

// skippedDisks are block devices that are never install targets.
var skippedDisks = []string{"loop", "ram", "sr", "zram", "fd", "dm-", "md", "nbd"}

func disks(root string, opts []any) ([]agent.Disk, error) {
	info, err := ghw.Block(opts...)
	if err != nil {
		return nil, fmt.Errorf("inspect disks: %w", err)
	}
	out := []agent.Disk{}
	for _, d := range info.Disks {
		if skipDisk(d.Name) || d.SizeBytes == 0 {
			continue
		}
		disk := agent.Disk{
			Name: d.Name, Path: "/dev/" + d.Name, SizeBytes: int64(d.SizeBytes),
			Model: known(d.Model), Serial: known(d.SerialNumber),
			Type: diskType(d.Name, d.DriveType), Removable: d.IsRemovable,
		}
		if disk.Model == "" {
			disk.Model = firstOf(readSys(root, "sys/block", d.Name, "device/model"))
		}
		if disk.Serial == "" { // virtio-blk: serial; nvme, scsi: device/serial
			disk.Serial = firstOf(readSys(root, "sys/block", d.Name, "serial"), readSys(root, "sys/block", d.Name, "device/serial"))
		}
		out = append(out, disk)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func skipDisk(name string) bool {
	for _, p := range skippedDisks {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// diskType is nvme by name, else ssd or hdd from the rotational flag ghw
// read (a virtio disk reports rotational: hdd).
func diskType(name string, t ghw.DriveType) string {
	switch {
	case strings.HasPrefix(name, "nvme"):
		return "nvme"
	case t == ghw.DriveTypeSSD:
		return "ssd"
	case t == ghw.DriveTypeHDD:
		return "hdd"
	}
	return "unknown"
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if v = known(v); v != "" {
			return v
		}
	}
	return ""
}

func nics(root string, opts []any) ([]agent.NIC, error) {
	info, err := ghw.Network(opts...)
	if err != nil {
		return nil, fmt.Errorf("inspect nics: %w", err)
	}
	out := []agent.NIC{}
	for _, n := range info.NICs {
		if n.IsVirtual {
			continue
		}
		mac := n.MACAddress
		if mac == "" {
			mac = readSys(root, "sys/class/net", n.Name, "address")
		}
		out = append(out, agent.NIC{
			Name: n.Name, MAC: strings.ToLower(mac),
			Link:      readSys(root, "sys/class/net", n.Name, "carrier") == "1",
			SpeedMbps: atoi(strings.TrimSuffix(n.Speed, "Mb/s")),
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
