package rack

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// EnvVM gates the virtual rack tests (QEMU under TCG: minutes, root).
const EnvVM = "SLIPWAY_VM"

// Require skips t unless SLIPWAY_VM=1, the rack can run here and
// SLIPWAY_BIN names the slipway binary, which it returns (absolute).
func Require(t testing.TB) string {
	t.Helper()
	if os.Getenv(EnvVM) != "1" {
		t.Skip("set " + EnvVM + "=1 to run the virtual rack (QEMU machines; make e2e-rack)")
	}
	if why := Why(); why != "" {
		t.Skip(why)
	}
	bin := os.Getenv("SLIPWAY_BIN")
	if bin == "" {
		t.Skip("SLIPWAY_BIN is not set (the make targets set it)")
	}
	abs, err := filepath.Abs(bin)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// New starts a rack for t (Dir defaults to a temporary directory, or
// $SLIPWAY_RACK_KEEP/<test name> to keep its logs) and closes it when t
// ends; on failure it logs the tail of every serial console and of the
// appliance's log.
func New(t testing.TB, cfg Config) *Rack {
	t.Helper()
	if cfg.Dir == "" {
		cfg.Dir = t.TempDir()
		if keep := os.Getenv("SLIPWAY_RACK_KEEP"); keep != "" {
			cfg.Dir = filepath.Join(keep, strings.ReplaceAll(t.Name(), "/", "_"))
			_ = os.RemoveAll(cfg.Dir)
		}
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	r, err := Start(ctx, cfg)
	if err != nil {
		t.Fatalf("virtual rack: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() || os.Getenv("SLIPWAY_VM_DEBUG") == "1" {
			t.Log(r.Debug())
		}
		r.Close()
	})
	return r
}

// Debug is the tail of every machine's serial console and boot log and of
// the appliance's log.
func (r *Rack) Debug() string {
	var b strings.Builder
	for _, v := range r.VMs {
		fmt.Fprintf(&b, "=== %s (%s) QEMU starts:\n%s=== serial console (tail):\n%s\n", v.Name, v.Firmware, v.Boots(), tail(v.SerialLog(), 3000))
	}
	if p := r.Appliance(); p != nil {
		fmt.Fprintf(&b, "=== appliance log (tail):\n%s\n", tail(p.Output(), 8000))
	}
	return b.String()
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

// RepoRoot is the repository root (from this source file's path).
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// AgentDir is the built agent kernel and initrd (make images-agent), or
// SLIPWAY_AGENT_DIR.
func AgentDir() string {
	if d := os.Getenv("SLIPWAY_AGENT_DIR"); d != "" {
		return d
	}
	return filepath.Join(RepoRoot(), ".cache", "images", "agent")
}

// OSImage is the built OS image NAME (.cache/images/os/NAME.raw.zst, make
// images-tiny), or an error saying how to build it.
func OSImage(name string) (Image, error) {
	img, err := ImageFromFile(name, filepath.Join(RepoRoot(), ".cache", "images", "os", name+".raw.zst"))
	if err != nil {
		return img, fmt.Errorf("%w (build it: make images-%s)", err, name)
	}
	return img, nil
}

// RequireImages skips t unless the agent and the OS image name are built,
// and returns the image.
func RequireImages(t testing.TB, name string) Image {
	t.Helper()
	for _, f := range []string{"vmlinuz", "initrd"} {
		if _, err := os.Stat(filepath.Join(AgentDir(), f)); err != nil {
			t.Skipf("the agent is not built (%v): make images-agent", err)
		}
	}
	img, err := OSImage(name)
	if err != nil {
		t.Skip(err.Error())
	}
	return img
}
