package appliance

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slipway-dev/slipway/internal/config"
	"github.com/slipway-dev/slipway/internal/dhcp"
	"github.com/slipway-dev/slipway/internal/store"
)

// dhcpComponents builds the DHCP server (none when dhcp.enabled is false).
// A server that cannot be built is a component that fails at start, so the
// appliance stops with the reason.
func dhcpComponents(cfg config.Config, db *store.DB, reg prometheus.Registerer, log *slog.Logger) []component {
	if !cfg.DHCP.Enabled {
		return nil
	}
	srv, err := dhcp.New(dhcpConfig(cfg.DHCP, cfg.Netboot.WithDefaults(cfg.DataDir)), dhcp.Deps{DB: db, Log: log.With("component", "dhcp"), Metrics: reg})
	if err != nil {
		return []component{{"dhcp", func(context.Context) error { return fmt.Errorf("dhcp: %w", err) }}}
	}
	return []component{{"dhcp", srv.Run}}
}

// dhcpConfig maps the config file's dhcp section onto the server's Config
// (zero values take the server's defaults). The boot URL handed to iPXE is,
// in order: dhcp.bootURL, netboot.advertiseURL, or the server's address on
// the client's network with the boot HTTP server's port.
func dhcpConfig(c config.DHCPConfig, n config.NetbootConfig) dhcp.Config {
	out := dhcp.Config{
		LeaseTime:      c.LeaseTime.D(),
		OfferTimeout:   c.OfferTimeout.D(),
		Quarantine:     c.DeclineQuarantine.D(),
		Workers:        c.Workers,
		Queue:          c.QueueSize,
		DiscoveryBurst: c.DiscoveryRateLimit.Burst,
		DiscoveryEvery: c.DiscoveryRateLimit.Every.D(),
		BootFiles: dhcp.BootFiles{BIOS: c.BootFiles.BIOS, UEFI: c.BootFiles.UEFI, ARM64: c.BootFiles.ARM64,
			HTTP: c.BootFiles.HTTP, ARM64HTTP: c.BootFiles.ARM64HTTP},
	}
	base := c.BootURL
	if base == "" {
		base = n.AdvertiseURL
	}
	if base != "" {
		out.BootURL = func(netip.Addr) string { return base }
		return out
	}
	if _, port, err := net.SplitHostPort(n.HTTPListen); err == nil && port != "" && port != "0" {
		out.BootURL = func(server netip.Addr) string { return "http://" + net.JoinHostPort(server.String(), port) }
	}
	return out
}
