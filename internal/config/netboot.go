package config

import (
	"net/url"
	"path/filepath"
	"strings"
	"time"
)

// Netboot defaults.
const (
	DefaultNetbootHTTPListen   = ":8080"
	DefaultNetbootTFTPListen   = ":69" // needs root (the appliance runs as root in production)
	DefaultNetbootIPXEDir      = "/usr/lib/ipxe"
	DefaultNetbootBootTokenTTL = time.Hour
	DefaultNetbootMaxTFTP      = 64
)

// NetbootConfig configures the TFTP server and the plain-HTTP boot
// endpoints (iPXE scripts, agent kernel/initrd, boot binaries, images).
type NetbootConfig struct {
	Enabled bool `yaml:"enabled"`
	// HTTPListen is the boot HTTP server's host:port.
	HTTPListen string `yaml:"httpListen"`
	// AdvertiseURL is how machines reach the boot HTTP server
	// ("http://198.18.0.1:8080", no trailing /). Empty: each script uses the
	// address the machine itself asked (the request's Host).
	AdvertiseURL string `yaml:"advertiseURL"`
	// TFTPListen is the TFTP server's UDP host:port.
	TFTPListen string `yaml:"tftpListen"`
	// TFTPRoot is where the iPXE binaries are copied and served from;
	// default <dataDir>/tftp.
	TFTPRoot string `yaml:"tftpRoot"`
	// IPXEDir is where Debian's ipxe package installed the binaries.
	IPXEDir string `yaml:"ipxeDir"`
	// AgentDir holds the agent's vmlinuz and initrd; empty: not served.
	AgentDir string `yaml:"agentDir"`
	// ImagesDir holds the image files served at /images/; default <dataDir>/images.
	ImagesDir string `yaml:"imagesDir"`
	// BootTokenTTL is how long a boot token in a script may be claimed.
	BootTokenTTL Duration `yaml:"bootTokenTTL"`
	// MaxTFTPTransfers caps concurrent TFTP transfers (more are refused).
	MaxTFTPTransfers int `yaml:"maxTFTPTransfers"`
}

// DefaultNetboot returns the netboot defaults.
func DefaultNetboot() NetbootConfig {
	return NetbootConfig{
		Enabled:          true,
		HTTPListen:       DefaultNetbootHTTPListen,
		TFTPListen:       DefaultNetbootTFTPListen,
		IPXEDir:          DefaultNetbootIPXEDir,
		BootTokenTTL:     Duration(DefaultNetbootBootTokenTTL),
		MaxTFTPTransfers: DefaultNetbootMaxTFTP,
	}
}

// validateNetboot checks the netboot section; a zero field takes its
// default (see NetbootConfig.WithDefaults).
func (c *Config) validateNetboot(add addFunc) {
	n := c.Netboot
	for _, l := range []struct{ field, v string }{
		{"netboot.httpListen", n.HTTPListen}, {"netboot.tftpListen", n.TFTPListen},
	} {
		if err := checkHostPort(l.v); l.v != "" && err != nil {
			add(l.field, "%v", err)
		}
	}
	if n.AdvertiseURL != "" && !isBaseURL(n.AdvertiseURL) {
		add("netboot.advertiseURL", "%q is not an http base URL like http://198.18.0.1:8080 "+
			"(iPXE fetches over plain HTTP; no path, no trailing /)", n.AdvertiseURL)
	}
	if n.BootTokenTTL != 0 && (n.BootTokenTTL < Duration(time.Minute) || n.BootTokenTTL > Duration(7*24*time.Hour)) {
		add("netboot.bootTokenTTL", "must be from 1m to 168h (got %s; 0 takes the default)", n.BootTokenTTL)
	}
	if n.MaxTFTPTransfers < 0 || n.MaxTFTPTransfers > 10000 {
		add("netboot.maxTFTPTransfers", "must be from 1 to 10000 (got %d; 0 takes the default)", n.MaxTFTPTransfers)
	}
}

func isBaseURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "http" && u.Host != "" && u.Path == "" && u.RawQuery == "" &&
		u.User == nil && !strings.ContainsAny(s, " $|&#")
}

// WithDefaults returns n with its zero fields set to the defaults; tftpRoot
// and imagesDir default to directories under dataDir.
func (n NetbootConfig) WithDefaults(dataDir string) NetbootConfig {
	d := DefaultNetboot()
	set := func(v *string, def string) {
		if *v == "" {
			*v = def
		}
	}
	set(&n.HTTPListen, d.HTTPListen)
	set(&n.TFTPListen, d.TFTPListen)
	set(&n.IPXEDir, d.IPXEDir)
	set(&n.TFTPRoot, filepath.Join(dataDir, "tftp"))
	set(&n.ImagesDir, filepath.Join(dataDir, "images"))
	if n.BootTokenTTL == 0 {
		n.BootTokenTTL = d.BootTokenTTL
	}
	if n.MaxTFTPTransfers == 0 {
		n.MaxTFTPTransfers = d.MaxTFTPTransfers
	}
	return n
}
