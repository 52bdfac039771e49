package tftp

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// IPXEPackage names the Debian package the boot binaries come from.
const IPXEPackage = "ipxe"

// BootFiles returns the iPXE binaries the TFTP root holds: for BIOS
// (undionly.kpxe, chainloaded by the NIC's PXE ROM) and UEFI x64
// (snponly.efi on the firmware's network driver, ipxe.efi with iPXE's own).
func BootFiles() []string { return []string{"undionly.kpxe", "ipxe.efi", "snponly.efi"} }

// PrepareRoot makes root (created 0755 if needed) hold a copy of each of
// BootFiles from ipxeDir (where Debian's ipxe package installs them:
// /usr/lib/ipxe; symlinks there are followed). Files are replaced
// atomically. A missing file is an error that names the package.
func PrepareRoot(root, ipxeDir string) error {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return fmt.Errorf("tftp root: %w", err)
	}
	for _, name := range BootFiles() {
		src := filepath.Join(ipxeDir, name)
		if err := copyFile(src, filepath.Join(root, name)); errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("tftp root: %s not found: install Debian's %q package (apt-get install %s) or set netboot.ipxeDir: %w",
				src, IPXEPackage, IPXEPackage, err)
		} else if err != nil {
			return fmt.Errorf("tftp root: %w", err)
		}
	}
	return nil
}

// copyFile copies src to dst through a temporary file renamed into place.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(out.Name())
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return fmt.Errorf("copy %s: %w", src, err)
	}
	if err := out.Chmod(0o644); err != nil {
		_ = out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Rename(out.Name(), dst)
}
