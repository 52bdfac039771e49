package dhcp

import (
	"fmt"
	"net/netip"
	"time"
)

// Config configures the server. Zero fields take the defaults below.
type Config struct {
	// LeaseTime is the lease length when the Network sets none.
	LeaseTime time.Duration
	// OfferTimeout is how long an offered address stays held for its client.
	OfferTimeout time.Duration
	// Quarantine is how long a declined address is kept from everyone.
	Quarantine time.Duration
	// Workers handle packets in parallel; Queue is how many packets may wait
	// for a worker (more are dropped and counted as queue-full).
	Workers, Queue int
	// BootFiles name the TFTP boot files per client kind.
	BootFiles BootFiles
	// BootURL returns the boot HTTP base URL ("http://198.18.0.1:8080") for
	// our address on a network. Default: http://<address>:8080.
	BootURL func(server netip.Addr) string
	// DiscoveryBurst pool allocations per MAC, refilled one per
	// DiscoveryEvery: the per-MAC rate limit of the discovery pool.
	DiscoveryBurst int
	DiscoveryEvery time.Duration
	// DeniedEvery is the least time between two dhcp.denied events for one MAC.
	DeniedEvery time.Duration
	// SweepEvery is how often ended leases are expired and pool usage checked.
	SweepEvery time.Duration
	// MaxBatch caps the writes grouped into one commit.
	MaxBatch int
}

// BootFiles are the boot file names by client architecture.
type BootFiles struct {
	BIOS      string // option 93 = 0, served over TFTP
	UEFI      string // 7, 9
	ARM64     string // 11 ("" refuses to boot arm64 clients)
	HTTP      string // 16, UEFI HTTP boot: fetched as <BootURL>/boot/bin/<HTTP>
	ARM64HTTP string // 19
}

// Defaults.
const (
	DefaultLeaseTime      = time.Hour
	DefaultOfferTimeout   = 30 * time.Second
	DefaultQuarantine     = 10 * time.Minute
	DefaultWorkers        = 8
	DefaultQueue          = 4096
	DefaultDiscoveryBurst = 5
	DefaultDiscoveryEvery = 10 * time.Second
	DefaultDeniedEvery    = time.Minute
	DefaultSweepEvery     = 10 * time.Second
	DefaultMaxBatch       = 1024
	DefaultHTTPPort       = 8080
)

// DefaultBootFiles are the Debian ipxe package's binaries.
var DefaultBootFiles = BootFiles{BIOS: "undionly.kpxe", UEFI: "snponly.efi", HTTP: "ipxe.efi"}

// withDefaults fills zero fields.
func (c Config) withDefaults() Config {
	set := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	setInt := func(n *int, v int) {
		if *n <= 0 {
			*n = v
		}
	}
	set(&c.LeaseTime, DefaultLeaseTime)
	set(&c.OfferTimeout, DefaultOfferTimeout)
	set(&c.Quarantine, DefaultQuarantine)
	set(&c.DiscoveryEvery, DefaultDiscoveryEvery)
	set(&c.DeniedEvery, DefaultDeniedEvery)
	set(&c.SweepEvery, DefaultSweepEvery)
	setInt(&c.Workers, DefaultWorkers)
	setInt(&c.Queue, DefaultQueue)
	setInt(&c.DiscoveryBurst, DefaultDiscoveryBurst)
	setInt(&c.MaxBatch, DefaultMaxBatch)
	if c.BootFiles == (BootFiles{}) {
		c.BootFiles = DefaultBootFiles
	}
	if c.BootURL == nil {
		c.BootURL = func(server netip.Addr) string { return fmt.Sprintf("http://%s:%d", server, DefaultHTTPPort) }
	}
	return c
}
