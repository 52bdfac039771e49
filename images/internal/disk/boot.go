package disk

import (
	"bytes"
	"fmt"
	"text/template"
)

// Paths on the ESP. syslinux finds /syslinux.cfg itself; systemd-boot reads
// /loader/loader.conf and /loader/entries/*.conf; UEFI firmware starts
// /EFI/BOOT/BOOTX64.EFI from a disk with no boot entry of its own.
const (
	KernelPath  = "/vmlinuz"
	InitrdPath  = "/initrd"
	SyslinuxCfg = "/syslinux.cfg"
	LoaderConf  = "/loader/loader.conf"
	LoaderEntry = "/loader/entries/slipway.conf"
	EFILoader   = "/EFI/BOOT/BOOTX64.EFI"
)

// Boot is what both boot loaders start.
type Boot struct {
	Title   string // the menu title (one line)
	Cmdline string // the kernel command line
}

var (
	syslinuxTmpl = template.Must(template.New("syslinux.cfg").Parse(`# Written by slipway images/mkdisk: BIOS boot, no menu.
SERIAL 0 115200
DEFAULT slipway
PROMPT 0
TIMEOUT 0

LABEL slipway
  MENU LABEL {{.Title}}
  LINUX {{.Kernel}}
  INITRD {{.Initrd}}
  APPEND {{.Cmdline}}
`))
	loaderConfTmpl = template.Must(template.New("loader.conf").Parse(`timeout 0
default slipway.conf
editor no
`))
	entryTmpl = template.Must(template.New("entry").Parse(`title   {{.Title}}
linux   {{.Kernel}}
initrd  {{.Initrd}}
options {{.Cmdline}}
`))
)

// Configs renders the boot loaders' files, keyed by their ESP path.
func (b Boot) Configs() (map[string][]byte, error) {
	data := struct {
		Boot
		Kernel, Initrd string
	}{b, KernelPath, InitrdPath}
	out := map[string][]byte{}
	for path, t := range map[string]*template.Template{
		SyslinuxCfg: syslinuxTmpl, LoaderConf: loaderConfTmpl, LoaderEntry: entryTmpl,
	} {
		var buf bytes.Buffer
		if err := t.Execute(&buf, data); err != nil {
			return nil, fmt.Errorf("disk: %s: %w", path, err)
		}
		out[path] = buf.Bytes()
	}
	return out, nil
}
