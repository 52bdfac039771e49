// Package initramfs builds a gzip'd newc initramfs: an /init (a static
// program or a script), busybox-static with its applet links, kernel
// modules with their dependency closure and a load-order file, and any
// extra files. It needs no host cpio and no root.
package initramfs

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/slipway-dev/slipway/internal/cpio"
	"github.com/slipway-dev/slipway/internal/kmod"
)

// ModulesOrder lists the absolute paths (inside the initramfs) of the
// module files in load order, dependencies first, one per line.
const ModulesOrder = "/etc/slipway/modules.order"

// File is an extra file put into the initramfs.
type File struct {
	Path string // absolute path inside the initramfs
	Data []byte
	Mode uint32 // permissions; 0 means 0644
}

// Spec says what goes into the initramfs.
type Spec struct {
	Init    []byte      // the /init program or script (mode 0755)
	Busybox []byte      // busybox-static, put at /bin/busybox; nil for none
	Applets []string    // names linked to busybox in /bin (see Applets)
	Kernel  *kmod.Index // the kernel whose modules are taken; nil for none
	Modules []string    // wanted module names; their dependencies come too
	Files   []File
}

// Manifest says what was written.
type Manifest struct {
	Modules []string // absolute paths inside the initramfs, load order
	Files   int      // entries in the archive
	Raw     int64    // uncompressed cpio size
}

// Applets asks a busybox binary for its applet names (busybox --list).
func Applets(ctx context.Context, busybox string) ([]string, error) {
	out, err := exec.CommandContext(ctx, busybox, "--list").Output()
	if err != nil {
		return nil, fmt.Errorf("initramfs: %s --list: %w", busybox, err)
	}
	return strings.Fields(string(out)), nil
}

// Write writes the gzip'd archive for spec to w.
func Write(ctx context.Context, w io.Writer, spec Spec) (Manifest, error) {
	var raw bytes.Buffer
	a := &archive{cw: cpio.NewWriter(&raw), dirs: map[string]bool{"": true, "/": true}}
	for _, d := range []string{"/bin", "/dev", "/proc", "/sys", "/tmp", "/run", "/etc/slipway"} {
		a.dir(d)
	}
	a.cw.CharDev("dev/console", 5, 1)
	a.cw.CharDev("dev/null", 1, 3)
	a.cw.CharDev("dev/ttyS0", 4, 64)
	a.file("/init", spec.Init, 0o755)
	if spec.Busybox != nil {
		a.file("/bin/busybox", spec.Busybox, 0o755)
		for _, name := range spec.Applets {
			if name != "busybox" && !strings.Contains(name, "/") {
				a.symlink("/bin/"+name, "busybox")
			}
		}
	}
	mods, err := a.modules(ctx, spec.Kernel, spec.Modules)
	if err != nil {
		return Manifest{}, err
	}
	for _, f := range spec.Files {
		a.file(f.Path, f.Data, f.Mode)
	}
	if err := a.cw.Close(); err != nil {
		return Manifest{}, fmt.Errorf("initramfs: %w", err)
	}
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return Manifest{}, fmt.Errorf("initramfs: gzip: %w", err)
	}
	if _, err := zw.Write(raw.Bytes()); err != nil {
		return Manifest{}, fmt.Errorf("initramfs: gzip: %w", err)
	}
	if err := zw.Close(); err != nil {
		return Manifest{}, fmt.Errorf("initramfs: gzip: %w", err)
	}
	return Manifest{Modules: mods, Files: a.n, Raw: int64(raw.Len())}, nil
}

// archive adds entries, creating each parent directory once.
type archive struct {
	cw   *cpio.Writer
	dirs map[string]bool
	n    int
}

func (a *archive) dir(p string) {
	p = path.Clean(p)
	if a.dirs[p] {
		return
	}
	a.dir(path.Dir(p))
	a.dirs[p] = true
	a.cw.Dir(p)
	a.n++
}

func (a *archive) file(p string, data []byte, perm uint32) {
	if perm == 0 {
		perm = 0o644
	}
	a.dir(path.Dir(p))
	a.cw.File(p, data, perm)
	a.n++
}

func (a *archive) symlink(p, target string) {
	a.dir(path.Dir(p))
	a.cw.Symlink(p, target)
	a.n++
}

// modules adds the closure of wanted under /lib/modules/<release>/,
// decompressed, and the ModulesOrder file; it returns the ordered paths.
func (a *archive) modules(ctx context.Context, ix *kmod.Index, wanted []string) ([]string, error) {
	if ix == nil || len(wanted) == 0 {
		return nil, nil
	}
	files, err := ix.Order(wanted)
	if err != nil {
		return nil, fmt.Errorf("initramfs: %w", err)
	}
	base := "/lib/modules/" + filepath.Base(ix.Dir) + "/"
	var order []string
	for _, f := range files {
		data, err := ix.Read(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("initramfs: %w", err)
		}
		p := base + kmod.Uncompressed(f)
		a.file(p, data, 0o644)
		order = append(order, p)
	}
	a.file(ModulesOrder, []byte(strings.Join(order, "\n")+"\n"), 0o644)
	return order, nil
}

// KernelRelease is the newest /boot/vmlinuz-<release> under root whose
// modules are installed in root/lib/modules/<release>.
func KernelRelease(root string) (string, error) {
	paths, _ := filepath.Glob(filepath.Join(root, "boot", "vmlinuz-*"))
	sort.Slice(paths, func(i, j int) bool { return versionLess(paths[j], paths[i]) })
	for _, p := range paths {
		rel := strings.TrimPrefix(filepath.Base(p), "vmlinuz-")
		if _, err := os.Stat(filepath.Join(root, "lib", "modules", rel, "modules.dep")); err == nil {
			return rel, nil
		}
	}
	return "", fmt.Errorf("initramfs: no %s/boot/vmlinuz-* with modules (install linux-image-amd64)", strings.TrimSuffix(root, "/"))
}

// versionLess compares release strings the way people read them: runs of
// digits as numbers ("6.1.0-9" < "6.1.0-56").
func versionLess(a, b string) bool {
	for a != "" && b != "" {
		ra, rb := run(a), run(b)
		if ra != rb {
			na, ea := strconv.Atoi(ra)
			nb, eb := strconv.Atoi(rb)
			if ea == nil && eb == nil {
				return na < nb
			}
			return ra < rb
		}
		a, b = a[len(ra):], b[len(rb):]
	}
	return len(a) < len(b)
}

// run is s's leading run of digits or of non-digits.
func run(s string) string {
	digit := func(c byte) bool { return c >= '0' && c <= '9' }
	i := 1
	for i < len(s) && digit(s[i]) == digit(s[0]) {
		i++
	}
	return s[:i]
}
