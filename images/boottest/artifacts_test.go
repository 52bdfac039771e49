package boottest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/slipway-dev/slipway/test/vm"
)

// imagesDir is where make images writes (SLIPWAY_IMAGES_DIR overrides).
func imagesDir() string {
	if d := os.Getenv("SLIPWAY_IMAGES_DIR"); d != "" {
		return d
	}
	return filepath.Join("..", "..", ".cache", "images")
}

// artifact returns the path of a built image file or skips t.
func artifact(t testing.TB, rel, target string) string {
	t.Helper()
	p := filepath.Join(imagesDir(), rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("%s is not built (make %s)", p, target)
	}
	return p
}

// requireTools skips t unless the programs are installed.
func requireTools(t testing.TB, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			t.Skipf("%s is not installed (make deps)", n)
		}
	}
}

// gateVM skips t unless SLIPWAY_VM=1 and, when env is set, env=1 too.
func gateVM(t testing.TB, env string) {
	t.Helper()
	if os.Getenv("SLIPWAY_VM") != "1" {
		t.Skip("set SLIPWAY_VM=1 to boot the images in QEMU (make images-test)")
	}
	if env != "" && os.Getenv(env) != "1" {
		t.Skipf("set %s=1 to boot this image too", env)
	}
	if os.Geteuid() != 0 {
		t.Skip("the boot tests need root (network namespaces, taps)")
	}
	requireTools(t, "qemu-system-x86_64", "ip", "busybox", "zstd", "sfdisk", "mkfs.vfat", "mcopy")
	for _, f := range []string{vm.OVMFCode, vm.OVMFVars} {
		if _, err := os.Stat(f); err != nil {
			t.Skipf("%s is missing (install ovmf)", f)
		}
	}
}
