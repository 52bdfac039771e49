package rack

import (
	"context"

	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/slipway-dev/slipway/test/netns"
)

// Rack is a running virtual rack.
type Rack struct {
	Dir     string
	DataDir string      // the appliance's data directory
	API     string      // 127.0.0.1:port on the host, forwarded to the API in the namespace
	NS      *netns.Host // the namespace (Do opens sockets in it; Run runs commands)
	VMs     []*VM

	cfg       Config
	rackvm    string
	mu        sync.Mutex
	appliance *Proc
	cleanups  []func()
	closeOnce sync.Once
}

// Start builds the rack: the namespace and bridge, every machine (tap,
// disk, BMC; powered off), the appliance, and the inventory applied
// through the CLI after its BMC credentials were stored. On error
// everything already started is stopped.
func Start(ctx context.Context, cfg Config) (*Rack, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	r := &Rack{Dir: cfg.Dir, DataDir: filepath.Join(cfg.Dir, "data"), cfg: cfg, rackvm: cfg.RackVM}
	if err := r.start(ctx); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

func (r *Rack) start(ctx context.Context) (err error) {
	cfg := r.cfg
	if err := os.MkdirAll(r.Dir, 0o755); err != nil {
		return fmt.Errorf("rack: %w", err)
	}
	if r.rackvm == "" {
		if r.rackvm, err = BuildRackVM(ctx, filepath.Join(r.Dir, "bin")); err != nil {
			return err
		}
	}
	t0 := time.Now()
	if err := r.buildNetwork(); err != nil {
		return err
	}
	for _, m := range cfg.Machines {
		v, err := r.addMachine(m)
		if err != nil {
			return err
		}
		r.VMs = append(r.VMs, v)
	}
	for _, v := range r.VMs {
		if err := r.waitBMC(ctx, v); err != nil {
			return err
		}
	}
	cfg.Log.Info("rack: network and BMCs up", "machines", len(r.VMs), "took", time.Since(t0).Round(time.Millisecond))
	if r.API, err = r.forward(cfg.APIListen, fmt.Sprintf("%s:%d", Addr, APIPort)); err != nil {
		return err
	}
	r.defer_(r.stopAppliance)
	if err := r.StartAppliance(ctx); err != nil {
		return err
	}
	if err := r.applyInventory(ctx); err != nil {
		return err
	}
	cfg.Log.Info("rack: appliance up, inventory applied", "api", r.URL(), "took", time.Since(t0).Round(time.Millisecond))
	return nil
}

// applyInventory logs the rack's CLI in, stores the BMC password and
// applies the inventory (written to Dir/inventory), as a user would.
func (r *Rack) applyInventory(ctx context.Context) error {
	if _, err := r.CLI(ctx, "login", "--server", r.URL(), "--token-file", r.TokenFile(), "--ca-file", r.CAFile()); err != nil {
		return err
	}
	if _, err := r.CLIStdin(ctx, BMCSecret+"\n", "create", "credentials", CredsName, "--username", BMCUser, "--password-stdin"); err != nil {
		return err
	}
	dir := filepath.Join(r.Dir, "inventory")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("rack: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "rack.yaml"), []byte(Inventory(r.cfg.Machines, r.cfg.Image)), 0o644); err != nil {
		return fmt.Errorf("rack: inventory: %w", err)
	}
	_, err := r.CLI(ctx, "apply", "-f", dir)
	return err
}

// VM returns the named machine.
func (r *Rack) VM(name string) (*VM, error) {
	for _, v := range r.VMs {
		if v.Name == name {
			return v, nil
		}
	}
	return nil, fmt.Errorf("rack: no machine %q", name)
}

// Close stops everything the rack started, by PID and in reverse order
// (the appliance, the BMCs, the machines, the forwarder), and deletes the
// namespace. Dir is kept. Close may be called more than once.
func (r *Rack) Close() {
	r.closeOnce.Do(func() {
		r.mu.Lock()
		fns := r.cleanups
		r.cleanups = nil
		r.mu.Unlock()
		for i := len(fns) - 1; i >= 0; i-- {
			fns[i]()
		}
	})
}

func (r *Rack) defer_(fn func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cleanups = append(r.cleanups, fn)
}

// BuildRackVM builds test/rack/cmd/rackvm into dir with the go command (the
// module is found from this source file, or else the working directory).
func BuildRackVM(ctx context.Context, dir string) (string, error) {
	out := filepath.Join(dir, "rackvm")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "github.com/slipway-dev/slipway/test/rack/cmd/rackvm")
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		cmd.Dir = filepath.Dir(file)
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("rack: build rackvm: %w\n%s", err, b)
	}
	return out, nil
}

// Why reports what keeps a rack from running here ("" when it can).
func Why() string {
	if os.Geteuid() != 0 {
		return "the virtual rack needs root (network namespaces, taps)"
	}
	for _, bin := range []string{"ip", "ipmi_sim", "ipmitool", "qemu-system-x86_64"} {
		if _, err := exec.LookPath(bin); err != nil {
			return bin + " is not installed (Debian packages iproute2, openipmi, ipmitool, qemu-system-x86)"
		}
	}
	for _, f := range []string{"/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/lib/ipxe/snponly.efi"} {
		if _, err := os.Stat(f); err != nil {
			return f + " is missing (Debian packages ovmf, ipxe)"
		}
	}
	return ""
}
