// Package inspect reports a machine's hardware as an agent.Inventory, read
// with jaypipes/ghw from sysfs and procfs below a root directory ("/" on a
// machine; a fake tree in tests). In the agent's ramdisk there is no udev,
// so disk models and serials are read from sysfs directly when ghw (which
// takes them from udev's database) has none.
package inspect

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/jaypipes/ghw"

	"github.com/slipway-dev/slipway/internal/agent"
)

// Inspect reads the hardware below root.
func Inspect(ctx context.Context, root string, log *slog.Logger) (agent.Inventory, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	opts := []any{ghw.WithChroot(root), ghw.WithDisableTools(), ghw.WithDisableWarnings()}
	inv := agent.Inventory{Firmware: firmware(root)}
	var err error
	if inv.CPU, err = cpu(opts); err != nil {
		return inv, err
	}
	mem, err := ghw.Memory(opts...)
	if err != nil {
		return inv, fmt.Errorf("inspect memory: %w", err)
	}
	inv.MemoryBytes = mem.TotalPhysicalBytes
	if inv.Disks, err = disks(root, opts); err != nil {
		return inv, err
	}
	if inv.NICs, err = nics(root, opts); err != nil {
		return inv, err
	}
	prod, err := ghw.Product(opts...)
	if err != nil {
		return inv, fmt.Errorf("inspect system: %w", err)
	}
	inv.System = agent.System{Vendor: known(prod.Vendor), Product: known(prod.Name), Serial: known(prod.SerialNumber), UUID: known(prod.UUID)}
	log.Info("inspected", "firmware", inv.Firmware, "cpu", inv.CPU.Model, "threads", inv.CPU.Threads,
		"memory", inv.MemoryBytes, "disks", len(inv.Disks), "nics", len(inv.NICs))
	return inv, ctx.Err()
}

// firmware is uefi when the kernel booted through EFI.
func firmware(root string) string {
	if _, err := os.Stat(filepath.Join(root, "sys/firmware/efi")); err == nil {
		return "uefi"
	}
	return "bios"
}

func cpu(opts []any) (agent.CPU, error) {
	info, err := ghw.CPU(opts...)
	if err != nil {
		return agent.CPU{}, fmt.Errorf("inspect cpu: %w", err)
	}
	c := agent.CPU{Sockets: len(info.Processors), Cores: int(info.TotalCores), Threads: int(info.TotalHardwareThreads)}
	for _, p := range info.Processors {
		if c.Model == "" {
			c.Model = p.Model
		}
	}
	return c, nil
}

// known maps ghw's "unknown" (and blanks) to "".
func known(s string) string {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "unknown") || strings.EqualFold(s, "none") {
		return ""
	}
	return s
}

// readSys reads a sysfs attribute below root, trimmed ("" if absent).
func readSys(root string, parts ...string) string {
	b, err := os.ReadFile(filepath.Join(append([]string{root}, parts...)...))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0
	}
	return n
}
