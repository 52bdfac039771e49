package appliance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/prometheus/client_golang/prometheus"
	"log/slog"
	"net/netip"
	"net/url"
	"os"

	"github.com/slipway-dev/slipway/internal/boot"
	"github.com/slipway-dev/slipway/internal/config"
	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/store"
	"github.com/slipway-dev/slipway/internal/tftp"
)

// netbootComponents builds the TFTP server and the boot HTTP server (none
// when netboot.enabled is false). Set-up that fails (the ipxe package is
// missing, a directory cannot be opened) is a component that fails at
// start, so the appliance stops with the reason.
func netbootComponents(cfg config.Config, db *store.DB, info Info, images boot.ImageResolver, phone boot.PhoneHomer,
	reg prometheus.Registerer, log *slog.Logger) []component {
	if !cfg.Netboot.Enabled {
		return nil
	}
	n := cfg.Netboot.WithDefaults(cfg.DataDir)
	t, b, err := newNetboot(n, db, info, images, phone, reg, log)
	if err != nil {
		return []component{{"netboot", func(context.Context) error { return fmt.Errorf("netboot: %w", err) }}}
	}
	return []component{{"tftp", t.Run}, {"boot", b.Run}}
}

func newNetboot(n config.NetbootConfig, db *store.DB, info Info, images boot.ImageResolver, phone boot.PhoneHomer,
	reg prometheus.Registerer, log *slog.Logger) (*tftp.Server, *boot.Server, error) {
	if err := tftp.PrepareRoot(n.TFTPRoot, n.IPXEDir); err != nil {
		return nil, nil, err
	}
	if err := os.MkdirAll(n.ImagesDir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("images dir: %w", err)
	}
	t, err := tftp.New(tftp.Config{Listen: n.TFTPListen, Root: n.TFTPRoot, MaxTransfers: n.MaxTFTPTransfers},
		tftp.Deps{DB: db, Leases: storeLeases{db: db}, Log: log.With("component", "tftp"), Metrics: reg})
	if err != nil {
		return nil, nil, err
	}
	b, err := boot.New(boot.Config{
		Listen: n.HTTPListen, AdvertiseURL: n.AdvertiseURL, APIPort: portOf(info.URL),
		CAFingerprint: info.CAFingerprint, TFTPRoot: n.TFTPRoot, AgentDir: n.AgentDir, ImagesDir: n.ImagesDir,
		TokenTTL: n.BootTokenTTL.D(),
	}, boot.Deps{DB: db, Log: log.With("component", "boot"), Metrics: reg, Images: images, PhoneHome: phone})
	if err != nil {
		return nil, nil, err
	}
	return t, b, nil
}

// portOf is the port of the API's base URL (the agent reaches the API on
// the host it netbooted from, on this port).
func portOf(base string) string {
	u, err := url.Parse(base)
	if err != nil || u.Port() == "" {
		return "8443"
	}
	return u.Port()
}

// storeLeases maps a client address to its MAC: its DHCP lease, else the
// Machine that declares that address as its reservation (spec.ip).
type storeLeases struct{ db *store.DB }

func (l storeLeases) MACByIP(ctx context.Context, ip netip.Addr) (string, error) {
	var mac string
	err := l.db.View(ctx, func(tx *store.Tx) error {
		lease, err := tx.LeaseByIP(ip.String())
		if err == nil {
			mac = lease.MAC
			return nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		mac, err = declaredMAC(tx, ip)
		return err
	})
	return mac, err
}

// declaredMAC is the MAC of the Machine whose spec.ip is ip.
func declaredMAC(tx *store.Tx, ip netip.Addr) (string, error) {
	objs, err := tx.ListObjects(string(inventory.KindMachine))
	if err != nil {
		return "", err
	}
	for _, o := range objs {
		var spec inventory.MachineSpec
		if json.Unmarshal(o.Spec, &spec) != nil || spec.IP == "" {
			continue
		}
		if a, err := netip.ParseAddr(spec.IP); err == nil && a == ip {
			return spec.MAC, nil
		}
	}
	return "", fmt.Errorf("client %s: no lease or reservation: %w", ip, store.ErrNotFound)
}
