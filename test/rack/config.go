// Package rack is the virtual rack: QEMU machines (TCG; BIOS or UEFI), each
// with a sparse raw disk, a fixed MAC, a tap on a bridge and its own OpenIPMI
// ipmi_sim BMC, plus the real appliance (`slipway serve`) serving DHCP, TFTP,
// boot HTTP and its API on that bridge, all inside one network namespace the
// rack creates. The API is forwarded to a loopback port of the host, where
// tests and people use the CLI; the BMCs and the bridge are only reachable
// from inside the namespace, as on a real management network.
//
// The BMC's chassis_control is test/rack/cmd/rackvm: power on starts the
// machine's supervisor (QEMU with the boot order of the last boot device
// the BMC received), power off kills it, reset does both (test/rack/node).
//
//	r, err := rack.Start(ctx, rack.Config{Dir: dir, Slipway: bin, Machines: rack.DefaultMachines()}, log)
//	defer r.Close()
//	r.CLI(ctx, "power", "on", "r1-u05")
//
// Tests use New(t, cfg), which skips unless the rack can run here and
// closes it at cleanup. Everything Start creates is stopped by PID and the
// namespace deleted by Close; the directory (serial consoles, QEMU, BMC and
// appliance logs) is kept for debugging.
package rack

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// Addresses of the rack's boot network (the benchmarking range).
const (
	Bridge    = "slipway0"
	Addr      = "198.18.0.1" // the appliance on the bridge
	Subnet    = "198.18.0.0/24"
	APIPort   = 8443
	BootPort  = 8080
	BMCUser   = "admin"
	BMCSecret = "rack-bmc-Pa55word" // the simulated BMCs' password (a test fixture)
	CredsName = "rack-bmc"
	NetName   = "rack"
)

// Config describes a rack.
type Config struct {
	// Dir holds everything the rack writes (created; required).
	Dir string
	// Slipway is the slipway binary (required).
	Slipway string
	// RackVM is the rackvm binary (test/rack/cmd/rackvm); empty: built
	// with `go build` into Dir.
	RackVM string
	// AgentDir holds the agent's vmlinuz and initrd (netboot.agentDir).
	AgentDir string
	// KubeArtifacts is the appliance's kubernetes.artifactsDir (the
	// Kubernetes and containerd binaries' cache, images/kube's layout);
	// empty: <dataDir>/kube, where there are none.
	KubeArtifacts string
	// SSHKeys are authorized on every installed machine (agent.sshAuthorizedKeys).
	SSHKeys []string
	// Image, when set, is declared and set as every machine's spec.image.
	Image *Image
	// Machines are the rack's machines (DefaultMachines when empty).
	Machines []Machine
	// APIListen is the host loopback address forwarded to the API (default
	// 127.0.0.1:0, a free port).
	APIListen string
	// Namespace is the network namespace's name (default slwrack-<pid>).
	Namespace string
	// LogLevel is the appliance's log level (default info).
	LogLevel string
	// Log receives the harness's own messages (default: discarded).
	Log *slog.Logger
}

// Machine is one virtual machine.
type Machine struct {
	Name     string
	MAC      string
	Unit     int    // rack unit: BMC port 6230+Unit, address 198.18.0.(100+Unit)
	Firmware string // bios | uefi
	// DiskGiB (default 2), MemoryMiB (default 1024), CPUs (default 1).
	DiskGiB   int
	MemoryMiB int
	CPUs      int
	// Undeclared machines are left out of the inventory (a stranger on the
	// boot network, e.g. one that copies another machine's MAC).
	Undeclared bool
}

// Image is the OS image every machine installs.
type Image struct {
	Name   string
	File   string // absolute path on the appliance
	Format string // raw | raw.zst | ...
	SHA256 string
}

// DefaultMachines is the demo rack: r1-u05 (BIOS) and r1-u06 (UEFI).
func DefaultMachines() []Machine {
	return []Machine{MachineAt(5, "bios"), MachineAt(6, "uefi")}
}

// MachineAt is the machine in rack unit u (1-94): r1-uNN, MAC
// 52:54:00:77:00:NN (hex), with the default sizes.
func MachineAt(u int, firmware string) Machine {
	return Machine{Name: fmt.Sprintf("r1-u%02d", u), MAC: fmt.Sprintf("52:54:00:77:00:%02x", u), Unit: u, Firmware: firmware}
}

// Machines is n machines from unit 5 on, all with firmware fw.
func Machines(n int, fw string) []Machine {
	out := make([]Machine, n)
	for i := range out {
		out[i] = MachineAt(5+i, fw)
	}
	return out
}

func (m Machine) withDefaults() Machine {
	if m.DiskGiB == 0 {
		m.DiskGiB = 2
	}
	if m.MemoryMiB == 0 {
		m.MemoryMiB = 1024
	}
	if m.CPUs == 0 {
		m.CPUs = 1
	}
	if m.Firmware == "" {
		m.Firmware = "bios"
	}
	return m
}

// BMCPort is the UDP port of the machine's BMC (on Addr, in the namespace).
func (m Machine) BMCPort() int { return 6230 + m.Unit }

// IP is the machine's reserved address.
func (m Machine) IP() string { return fmt.Sprintf("198.18.0.%d", 100+m.Unit) }

// Tap is the machine's tap device on the bridge.
func (m Machine) Tap() string { return fmt.Sprintf("tap-u%02d", m.Unit) }

// ImageFromFile declares the image at path (absolute), with the sha256 in
// path.sha256 (the first word: sha256sum's format) and the format from its
// name (.raw.zst, .raw.gz, .raw.xz, .raw).
func ImageFromFile(name, path string) (Image, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return Image{}, fmt.Errorf("image %s: %w", name, err)
	}
	if _, err := os.Stat(abs); err != nil {
		return Image{}, fmt.Errorf("image %s: %w", name, err)
	}
	b, err := os.ReadFile(abs + ".sha256")
	if err != nil {
		return Image{}, fmt.Errorf("image %s: sha256: %w", name, err)
	}
	f := strings.Fields(string(b))
	if len(f) == 0 || len(f[0]) != 64 {
		return Image{}, fmt.Errorf("image %s: %s.sha256: no sha256 in it", name, abs)
	}
	format := "raw"
	for _, ext := range []string{"zst", "gz", "xz"} {
		if strings.HasSuffix(abs, ".raw."+ext) {
			format = "raw." + ext
		}
	}
	return Image{Name: name, File: abs, Format: format, SHA256: strings.ToLower(f[0])}, nil
}

func (c Config) withDefaults() (Config, error) {
	if c.Dir == "" || c.Slipway == "" {
		return c, fmt.Errorf("rack: config: dir and slipway are required")
	}
	if len(c.Machines) == 0 {
		c.Machines = DefaultMachines()
	}
	ms := make([]Machine, len(c.Machines))
	for i, m := range c.Machines {
		ms[i] = m.withDefaults()
		if ms[i].Firmware != "bios" && ms[i].Firmware != "uefi" {
			return c, fmt.Errorf("rack: machine %s: firmware %q: want bios or uefi", m.Name, m.Firmware)
		}
	}
	c.Machines = ms
	if c.APIListen == "" {
		c.APIListen = "127.0.0.1:0"
	}
	if c.Namespace == "" {
		c.Namespace = fmt.Sprintf("slwrack-%d", os.Getpid())
	}
	if c.LogLevel == "" {
		c.LogLevel = "info"
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	return c, nil
}
