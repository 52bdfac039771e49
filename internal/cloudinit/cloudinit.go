// Package cloudinit renders a machine's cloud-init NoCloud seed: meta-data
// (instance-id, hostname), user-data (#cloud-config: hostname, SSH keys,
// phone-home to the appliance) and network-config (version 2: the boot NIC
// by MAC, DHCP or the machine's reserved address). The agent writes the
// files to a CIDATA partition beside the installed image; the installed OS
// (cloud-init, or the tiny test OS's init) reads them on first boot.
package cloudinit

import (
	"bytes"
	_ "embed"
	"encoding/base64"
	"fmt"
	"io/fs"
	"net/netip"
	"path"
	"regexp"
	"strings"
	"text/template"

	"github.com/slipway-dev/slipway/internal/agent"
)

// Data is what a seed says.
type Data struct {
	// InstanceID changes with every install, so cloud-init runs its
	// first-boot modules again on a re-imaged machine.
	InstanceID string
	Hostname   string
	MAC        string
	// Address is the reserved address in CIDR form (198.18.0.105/24) with
	// Gateway and DNS; empty: DHCP on the boot NIC.
	Address string
	Gateway string
	DNS     []string
	// SSHKeys are authorized for the default user and root.
	SSHKeys []string
	// PhoneHomeURL is where the installed OS posts once it is up (carries
	// the machine's phone-home token).
	PhoneHomeURL string
	// Files are written on first boot before any unit below starts
	// (write_files, base64): a Kubernetes node's bundle.
	Files []File
	// Units are systemd units enabled and started (without waiting) once
	// the files are written, after the kernel modules and sysctls the
	// files declare are applied.
	Units []string
}

// File is one file the seed writes.
type File struct {
	Path    string
	Mode    fs.FileMode
	Content []byte
}

// seedFile is a File as the user-data template writes it.
type seedFile struct {
	Path, Perm, B64 string
}

// Validate names the first field that cannot be rendered safely.
func (d Data) Validate() error {
	for _, f := range []struct{ name, v string }{{"instanceID", d.InstanceID}, {"hostname", d.Hostname},
		{"mac", d.MAC}, {"phoneHomeURL", d.PhoneHomeURL}} {
		if f.v == "" {
			return fmt.Errorf("cloudinit: %s is required", f.name)
		}
		if strings.Trim(f.v, safeChars) != "" {
			return fmt.Errorf("cloudinit: %s %q has characters not allowed in a seed", f.name, f.v)
		}
	}
	if d.Address != "" {
		if _, err := netip.ParsePrefix(d.Address); err != nil {
			return fmt.Errorf("cloudinit: address: %w", err)
		}
	}
	for _, s := range append([]string{d.Gateway}, d.DNS...) {
		if _, err := netip.ParseAddr(s); s != "" && err != nil {
			return fmt.Errorf("cloudinit: gateway/dns: %w", err)
		}
	}
	if err := validFiles(d.Files, d.Units); err != nil {
		return err
	}
	for i, k := range d.SSHKeys {
		if strings.ContainsAny(k, "\n\r\"") || !strings.HasPrefix(k, "ssh-") && !strings.HasPrefix(k, "ecdsa-") && !strings.HasPrefix(k, "sk-") {
			return fmt.Errorf("cloudinit: sshKeys[%d]: not a single-line OpenSSH public key", i)
		}
	}
	return nil
}

// unitRE is a systemd unit name the seed may enable.
var unitRE = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9@_.-]*\.(service|timer|socket|target)$`)

func validFiles(files []File, units []string) error {
	seen := map[string]bool{}
	for i, f := range files {
		if !path.IsAbs(f.Path) || path.Clean(f.Path) != f.Path || strings.Trim(f.Path, safeChars) != "" {
			return fmt.Errorf("cloudinit: files[%d].path %q: want a clean absolute path of safe characters", i, f.Path)
		}
		if seen[f.Path] {
			return fmt.Errorf("cloudinit: files[%d].path %s: written twice", i, f.Path)
		}
		seen[f.Path] = true
		if f.Mode&^fs.ModePerm != 0 {
			return fmt.Errorf("cloudinit: files[%d].mode %v: want permission bits only", i, f.Mode)
		}
	}
	for i, u := range units {
		if !unitRE.MatchString(u) {
			return fmt.Errorf("cloudinit: units[%d] %q: not a systemd unit name", i, u)
		}
	}
	return nil
}

// SeedFiles are the files in template form.
func (d Data) SeedFiles() []seedFile {
	out := make([]seedFile, 0, len(d.Files))
	for _, f := range d.Files {
		out = append(out, seedFile{Path: f.Path, Perm: fmt.Sprintf("0%o", f.Mode.Perm()), B64: base64.StdEncoding.EncodeToString(f.Content)})
	}
	return out
}

// safeChars are the characters a scalar the templates interpolate without
// quoting may hold (names, MACs, URLs): no YAML syntax, no line breaks.
const safeChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:/?=&%[]"

//go:embed meta-data.tmpl
var metaDataTmpl string

//go:embed user-data.tmpl
var userDataTmpl string

//go:embed network-config.tmpl
var networkConfigTmpl string

var templates = template.Must(template.New("meta-data").Option("missingkey=error").Parse(metaDataTmpl))

func init() {
	template.Must(templates.New("user-data").Parse(userDataTmpl))
	template.Must(templates.New("network-config").Parse(networkConfigTmpl))
}

// Render returns the seed's files.
func Render(d Data) (*agent.Seed, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	var files [3]string
	for i, name := range []string{"meta-data", "user-data", "network-config"} {
		var b bytes.Buffer
		if err := templates.ExecuteTemplate(&b, name, d); err != nil {
			return nil, fmt.Errorf("cloudinit: render %s: %w", name, err)
		}
		files[i] = b.String()
	}
	return &agent.Seed{MetaData: files[0], UserData: files[1], NetworkConfig: files[2]}, nil
}
