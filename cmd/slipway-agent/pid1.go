package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// modulesOrder lists, in load order, the absolute paths of the kernel
// modules the initramfs carries (images/agent writes it).
const modulesOrder = "/etc/slipway/modules.order"

// initSystem does what init must before anything else: mount the kernel's
// filesystems, open the console and load the modules. It returns the
// console as stdout and stderr (os.Stderr if /dev/console cannot open).
func initSystem() (io.Writer, io.Writer) {
	var errs []error
	for _, m := range []struct{ dir, fstype string }{
		{"/proc", "proc"}, {"/sys", "sysfs"}, {"/dev", "devtmpfs"}, {"/run", "tmpfs"}, {"/tmp", "tmpfs"},
	} {
		if err := mount(m.dir, m.fstype); err != nil {
			errs = append(errs, err)
		}
	}
	var console io.Writer = os.Stderr
	if f, err := os.OpenFile("/dev/console", os.O_WRONLY, 0); err == nil {
		console = f
	}
	fmt.Fprintln(console, "slipway-agent: starting as init")
	for _, err := range errs {
		fmt.Fprintln(console, "slipway-agent:", err)
	}
	loadModules(console, modulesOrder)
	return console, console
}

func mount(dir, fstype string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("mount %s: %w", dir, err)
	}
	flags := uintptr(unix.MS_NOSUID)
	if fstype != "devtmpfs" {
		flags |= unix.MS_NODEV
	}
	err := unix.Mount(fstype, dir, fstype, flags, "")
	if err != nil && !errors.Is(err, unix.EBUSY) {
		return fmt.Errorf("mount %s (%s): %w", dir, fstype, err)
	}
	return nil
}

// loadModules loads each module listed in the file, in order; a module
// already loaded (or built in) is fine, another failure is printed and
// the next module is tried.
func loadModules(console io.Writer, list string) {
	f, err := os.Open(list)
	if err != nil {
		fmt.Fprintln(console, "slipway-agent: no module list:", err)
		return
	}
	defer f.Close()
	loaded := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		path := strings.TrimSpace(sc.Text())
		if path == "" || strings.HasPrefix(path, "#") {
			continue
		}
		if err := loadModule(path); err != nil {
			fmt.Fprintln(console, "slipway-agent: module", path+":", err)
			continue
		}
		loaded++
	}
	fmt.Fprintln(console, "slipway-agent: loaded", loaded, "kernel modules")
}

func loadModule(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := unix.FinitModule(int(f.Fd()), "", 0); err != nil && !errors.Is(err, unix.EEXIST) {
		return err
	}
	return nil
}
