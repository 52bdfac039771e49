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
	"fmt"
	"net/netip"
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
	for i, k := range d.SSHKeys {
		if strings.ContainsAny(k, "\n\r\"") || !strings.HasPrefix(k, "ssh-") && !strings.HasPrefix(k, "ecdsa-") && !strings.HasPrefix(k, "sk-") {
			return fmt.Errorf("cloudinit: sshKeys[%d]: not a single-line OpenSSH public key", i)
		}
	}
	return nil
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
