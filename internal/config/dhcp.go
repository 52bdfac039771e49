package config

import (
	"net/url"
	"strings"
	"time"
)

// DHCP defaults.
const (
	DefaultDHCPLeaseTime         = time.Hour
	DefaultDHCPOfferTimeout      = 30 * time.Second
	DefaultDHCPDeclineQuarantine = 10 * time.Minute
	DefaultDHCPWorkers           = 8
	DefaultDHCPQueueSize         = 4096
	DefaultDHCPDiscoveryBurst    = 5
	DefaultDHCPDiscoveryEvery    = 10 * time.Second
)

// DHCPConfig configures the DHCP server. The networks it serves are the
// inventory's Network objects; this section tunes how.
type DHCPConfig struct {
	// Enabled runs the DHCP server (default true).
	Enabled bool `yaml:"enabled"`
	// LeaseTime is the lease length for networks that set none.
	LeaseTime Duration `yaml:"leaseTime"`
	// OfferTimeout is how long an offered address is held for its client.
	OfferTimeout Duration `yaml:"offerTimeout"`
	// DeclineQuarantine is how long a declined address is kept from everyone.
	DeclineQuarantine Duration `yaml:"declineQuarantine"`
	// Workers handle packets in parallel; QueueSize packets may wait.
	Workers   int `yaml:"workers"`
	QueueSize int `yaml:"queueSize"`
	// BootFiles override the boot file per client architecture.
	BootFiles DHCPBootFiles `yaml:"bootFiles"`
	// BootURL is the boot HTTP base URL machines are sent to
	// ("http://198.18.0.1:8080"); default http://<our address on the
	// network>:8080.
	BootURL string `yaml:"bootURL"`
	// DiscoveryRateLimit is the per-MAC rate limit of the discovery pool.
	DiscoveryRateLimit DHCPRateLimit `yaml:"discoveryRateLimit"`
}

// DHCPBootFiles name the iPXE binaries by client architecture.
type DHCPBootFiles struct {
	BIOS      string `yaml:"bios"`      // option 93 = 0 (TFTP)
	UEFI      string `yaml:"uefi"`      // 7, 9 (TFTP): snponly.efi or ipxe.efi
	ARM64     string `yaml:"arm64"`     // 11 (TFTP); empty: arm64 clients get no boot file
	HTTP      string `yaml:"http"`      // 16, UEFI HTTP boot (HTTP <bootURL>/boot/bin/<file>)
	ARM64HTTP string `yaml:"arm64HTTP"` // 19
}

// DHCPRateLimit allows Burst events at once, refilled one per Every.
type DHCPRateLimit struct {
	Burst int      `yaml:"burst"`
	Every Duration `yaml:"every"`
}

// DefaultDHCP returns the DHCP defaults.
func DefaultDHCP() DHCPConfig {
	return DHCPConfig{
		Enabled:           true,
		LeaseTime:         Duration(DefaultDHCPLeaseTime),
		OfferTimeout:      Duration(DefaultDHCPOfferTimeout),
		DeclineQuarantine: Duration(DefaultDHCPDeclineQuarantine),
		Workers:           DefaultDHCPWorkers,
		QueueSize:         DefaultDHCPQueueSize,
		BootFiles:         DHCPBootFiles{BIOS: "undionly.kpxe", UEFI: "snponly.efi", HTTP: "ipxe.efi"},
		DiscoveryRateLimit: DHCPRateLimit{Burst: DefaultDHCPDiscoveryBurst,
			Every: Duration(DefaultDHCPDiscoveryEvery)},
	}
}

// validateDHCP checks the dhcp section; a zero field takes its default.
func (c *Config) validateDHCP(add addFunc) {
	d := c.DHCP
	if d.LeaseTime < 0 || d.LeaseTime > 0 && d.LeaseTime < Duration(time.Minute) {
		add("dhcp.leaseTime", "must be at least 1m (got %s; 0 takes the default)", d.LeaseTime)
	}
	if d.OfferTimeout < 0 || d.LeaseTime > 0 && d.OfferTimeout > d.LeaseTime {
		add("dhcp.offerTimeout", "must be from 0 to dhcp.leaseTime (got %s)", d.OfferTimeout)
	}
	if d.DeclineQuarantine < 0 {
		add("dhcp.declineQuarantine", "must not be negative (got %s; 0 takes the default)", d.DeclineQuarantine)
	}
	if d.Workers < 0 || d.Workers > 1024 {
		add("dhcp.workers", "must be from 1 to 1024 (got %d; 0 takes the default)", d.Workers)
	}
	if d.QueueSize < 0 || d.QueueSize > 0 && d.QueueSize < d.Workers {
		add("dhcp.queueSize", "must be at least dhcp.workers (%d) (got %d)", d.Workers, d.QueueSize)
	}
	for _, f := range []struct{ field, v string }{
		{"dhcp.bootFiles.bios", d.BootFiles.BIOS}, {"dhcp.bootFiles.uefi", d.BootFiles.UEFI},
		{"dhcp.bootFiles.arm64", d.BootFiles.ARM64}, {"dhcp.bootFiles.http", d.BootFiles.HTTP},
		{"dhcp.bootFiles.arm64HTTP", d.BootFiles.ARM64HTTP},
	} {
		if strings.ContainsAny(f.v, "/\\ \t\n") || f.v == "." || f.v == ".." || len(f.v) > 100 {
			add(f.field, "%q is not a file name (no directories, no spaces)", f.v)
		}
	}
	if d.BootURL != "" {
		if u, err := url.Parse(d.BootURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			strings.HasSuffix(d.BootURL, "/") {
			add("dhcp.bootURL", "%q is not an http(s) base URL like http://198.18.0.1:8080 (no trailing /)", d.BootURL)
		}
	}
	if d.DiscoveryRateLimit.Burst < 0 {
		add("dhcp.discoveryRateLimit.burst", "must not be negative (got %d; 0 takes the default)", d.DiscoveryRateLimit.Burst)
	}
	if d.DiscoveryRateLimit.Every < 0 {
		add("dhcp.discoveryRateLimit.every", "must not be negative (got %s; 0 takes the default)", d.DiscoveryRateLimit.Every)
	}
}
