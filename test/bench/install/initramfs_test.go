package install

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// libDir holds the peer tools' shared libraries inside the initramfs (the
// init script sets LD_LIBRARY_PATH to it).
const libDir = "/lib/bench"

// peerTools are the host programs the pipeline and its read-back run
// (coreutils dd and sha256sum, not busybox's).
var peerTools = []string{"/usr/bin/curl", "/usr/bin/zstd", "/usr/bin/dd", "/usr/bin/sha256sum"}

// vmModules are loaded by the init script, dependencies first (a subset
// of images.mk's AGENT_MODULES: QEMU's virtio devices only).
const vmModules = "virtio_pci,virtio_rng,virtio_net,virtio_blk"

// boot is the kernel and initramfs the VM starts.
type boot struct{ Kernel, Initrd string }

// buildBoot builds the agent (static, as images.mk does) and mkinitramfs
// from this tree and writes the bench initramfs: init, busybox, the
// modules, the agent and the peer tools with their libraries and loader.
func buildBoot(tb testing.TB, dir, init string) boot {
	tb.Helper()
	root := moduleRoot(tb)
	agentBin, mkinit := filepath.Join(dir, "slipway-agent"), filepath.Join(dir, "mkinitramfs")
	goBuild(tb, root, []string{"CGO_ENABLED=0"}, "-trimpath", "-ldflags", "-s -w", "-o", agentBin, "./cmd/slipway-agent")
	goBuild(tb, root, nil, "-o", mkinit, "./images/mkinitramfs")
	initFile := filepath.Join(dir, "init")
	if err := os.WriteFile(initFile, []byte(init), 0o755); err != nil {
		tb.Fatal(err)
	}
	b := boot{Kernel: filepath.Join(dir, "vmlinuz"), Initrd: filepath.Join(dir, "initrd")}
	args := []string{"-init", initFile, "-modules", vmModules, "-out", b.Initrd, "-kernel-out", b.Kernel,
		"-file", "/usr/bin/slipway-agent=" + agentBin}
	files, err := peerFiles(peerTools)
	if err != nil {
		tb.Fatal(err)
	}
	for _, f := range files {
		args = append(args, "-file", f)
	}
	out, err := exec.Command(mkinit, args...).CombinedOutput()
	if err != nil {
		tb.Fatalf("mkinitramfs: %v\n%s", err, out)
	}
	return b
}

func goBuild(tb testing.TB, root string, env []string, args ...string) {
	tb.Helper()
	cmd := exec.Command("go", append([]string{"build"}, args...)...)
	cmd.Dir, cmd.Env = root, append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("go build %s: %v\n%s", args[len(args)-1], err, out)
	}
}

// moduleRoot is the directory holding go.mod, above the working directory.
func moduleRoot(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("no go.mod above the working directory")
		}
		dir = parent
	}
}

// lddLine matches "libz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x...)"
// and "/lib64/ld-linux-x86-64.so.2 (0x...)"; linux-vdso has no file.
var lddLine = regexp.MustCompile(`^\s*(?:(\S+) => )?(/\S+) \(0x[0-9a-f]+\)$`)

// peerFiles are mkinitramfs -file arguments for the programs (at their
// own paths), their shared libraries (in libDir, under the name the
// program asks for) and the dynamic loader (at its own path, the
// programs' PT_INTERP), resolved with ldd.
func peerFiles(progs []string) ([]string, error) {
	var files []string
	seen := map[string]bool{}
	for _, p := range progs {
		out, err := exec.Command("ldd", p).Output()
		if err != nil {
			return nil, fmt.Errorf("ldd %s (install curl zstd coreutils): %w", p, err)
		}
		files = append(files, p+"="+p)
		for line := range strings.Lines(string(out)) {
			m := lddLine.FindStringSubmatch(strings.TrimRight(line, "\n"))
			if m == nil {
				continue
			}
			inside := m[2] // the loader: its absolute path
			if m[1] != "" {
				inside = libDir + "/" + m[1]
			}
			if !seen[inside] {
				seen[inside] = true
				files = append(files, inside+"="+m[2])
			}
		}
	}
	if !slices.ContainsFunc(files, func(f string) bool { return strings.HasPrefix(f, "/lib64/ld-linux") }) {
		return nil, fmt.Errorf("ldd named no /lib64/ld-linux* loader for %s", strings.Join(progs, " "))
	}
	return files, nil
}
