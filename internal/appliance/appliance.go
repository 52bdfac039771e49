// Package appliance is Slipway's composition root: from a validated
// config.Config it opens the store, loads the secret key and the TLS
// material, makes the first admin token, recovers machines a crash left
// mid-step, applies the start-up inventory, and then runs the components
// (the HTTPS API server, the machine watchdog) together until the context
// ends or one of them fails.
package appliance

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/config"
	"github.com/slipway-dev/slipway/internal/journey"
	"github.com/slipway-dev/slipway/internal/machine"
	"github.com/slipway-dev/slipway/internal/pki"
	"github.com/slipway-dev/slipway/internal/secret"
	"github.com/slipway-dev/slipway/internal/server"
	"github.com/slipway-dev/slipway/internal/store"
)

// File names inside the data directory.
const (
	DBFile         = "slipway.db"
	SecretKeyFile  = "secret.key"
	PKIDir         = "pki"
	AdminTokenFile = "admin.token"
)

// Info describes a started appliance (for the start-up log line and tests).
type Info struct {
	URL            string // https://host:port
	CAFingerprint  string // sha256:<hex>; empty when insecure
	CAPEM          []byte
	AdminTokenFile string
}

// Option adjusts Run.
type Option func(*options)

type options struct {
	version api.Version
	onReady func(Info)
	now     func() time.Time
}

// WithVersion sets what GET /api/v1/version answers.
func WithVersion(v api.Version) Option { return func(o *options) { o.version = v } }

// OnReady is called once the API listens, before serving starts.
func OnReady(fn func(Info)) Option { return func(o *options) { o.onReady = fn } }

// Run starts the appliance described by cfg and blocks until ctx ends (then
// every component stops, within 5 s, and Run returns nil) or a component
// fails (its error). cfg must have passed Validate.
func Run(ctx context.Context, cfg config.Config, log *slog.Logger, opts ...Option) error {
	o := options{version: api.Version{Version: "dev"}, now: time.Now}
	for _, fn := range opts {
		fn(&o)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	db, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer func() {
		if err := db.Close(); err != nil {
			log.Warn("close store", "err", err)
		}
	}()
	keyring, err := secret.Load(keyFile(cfg), cfg.Secrets.Key)
	if err != nil {
		return err
	}
	tlsCfg, info, err := tlsSetup(cfg, log, o.now())
	if err != nil {
		return err
	}
	if err := prepare(ctx, db, cfg, log, o.now()); err != nil {
		return err
	}
	// One registry for every component's metrics, served at /metrics.
	reg := prometheus.NewRegistry()
	bmcs, err := newBMC(cfg.BMC, db, keyring, log)
	if err != nil {
		return err
	}
	tf := newTerraform(cfg, db, keyring, log)
	images, err := newImages(cfg, db, log)
	if err != nil {
		return err
	}
	clusters, err := newClusters(cfg, db, keyring, log)
	if err != nil {
		return err
	}
	jr, err := newJourney(cfg, db, bmcs.executor, clusters, info.CAPEM, log)
	if err != nil {
		return err
	}
	srv, url, err := newAPIServer(ctx, cfg, db, keyring, bmcs.executor, tlsCfg, o.version, reg, log, tf.option(),
		imagesOption(cfg, images), server.WithAgent(jr.svc), server.WithClusters(clusters))
	if err != nil {
		return err
	}
	pages, err := newUI(cfg, db, srv, images, log)
	if err != nil {
		return err
	}
	info.URL = url
	info.AdminTokenFile = adminTokenPath(cfg)
	if err := tf.serveAt(ctx, info); err != nil {
		return err
	}
	log.Info("listening", "url", info.URL, "ca_fingerprint", info.CAFingerprint,
		"admin_token_file", info.AdminTokenFile)
	if o.onReady != nil {
		o.onReady(info)
	}
	watchdog := &machine.Watchdog{DB: db, Log: log.With("component", "watchdog")}
	return runComponents(ctx, log, append([]component{
		{"infra", tf.run},
		{"api", srv.Run},
		{"ui", pages.Run},
		{"watchdog", watchdog.Run},
		{"images", images.Run},
		{"journey", jr.worker.Run},
		{"clusters", clusters.Run},
	}, append(append(bmcs.components(), dhcpComponents(cfg, db, reg, log)...),
		netbootComponents(cfg, db, info, images, journey.BootPhoneHome{S: jr.svc}, reg, log)...)...))
}

// newAPIServer listens on cfg.API.Listen (port 0 picks a free port) and
// builds the API server on that listener. It returns the server's base URL.
func newAPIServer(ctx context.Context, cfg config.Config, db *store.DB, sealer server.Sealer,
	executor server.Executor, tlsCfg *tls.Config, v api.Version, reg server.Registry, log *slog.Logger,
	opts ...server.Option) (*server.Server, string, error) {
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", cfg.API.Listen)
	if err != nil {
		return nil, "", fmt.Errorf("api: listen %s: %w", cfg.API.Listen, err)
	}
	srv, err := server.New(server.Config{
		Listen:       cfg.API.Listen,
		TLS:          tlsCfg,
		MaxBodyBytes: cfg.API.MaxBodyBytes,
		ReadTimeout:  cfg.API.ReadTimeout.D(),
		WriteTimeout: cfg.API.WriteTimeout.D(),
		IdleTimeout:  cfg.API.IdleTimeout.D(),
		Version:      v,
	}, server.Deps{DB: db, Sealer: sealer, Executor: executor, Log: log.With("component", "api"), Metrics: reg},
		append(opts, server.WithListener(ln))...)
	if err != nil {
		_ = ln.Close()
		return nil, "", fmt.Errorf("api: %w", err)
	}
	return srv, baseURL(ln.Addr(), tlsCfg != nil), nil
}

func keyFile(cfg config.Config) string {
	if cfg.Secrets.KeyFile != "" {
		return cfg.Secrets.KeyFile
	}
	return filepath.Join(cfg.DataDir, SecretKeyFile)
}

func adminTokenPath(cfg config.Config) string { return filepath.Join(cfg.DataDir, AdminTokenFile) }

// tlsSetup ensures the CA and server certificate (unless insecure) and
// returns the server's TLS configuration (nil for plain HTTP).
func tlsSetup(cfg config.Config, log *slog.Logger, now time.Time) (*tls.Config, Info, error) {
	if cfg.API.Insecure {
		log.Warn("api.insecure is set: serving plain HTTP without authentication of the server; never in production")
		return nil, Info{}, nil
	}
	b, err := pki.Ensure(filepath.Join(cfg.DataDir, PKIDir), cfg.API.TLSHosts, now)
	if err != nil {
		return nil, Info{}, err
	}
	if b.Issued {
		log.Info("issued server certificate", "dns", b.Leaf.DNSNames, "ips", b.Leaf.IPAddresses,
			"not_after", b.Leaf.NotAfter.Format(time.RFC3339))
	}
	return b.TLSConfig(), Info{CAFingerprint: b.Fingerprint(), CAPEM: b.CAPEM}, nil
}

// baseURL is the URL clients use: the listener's address, with the host
// name in place of an unspecified address.
func baseURL(addr net.Addr, tls bool) string {
	scheme := "http"
	if tls {
		scheme = "https"
	}
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return scheme + "://" + addr.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		if h, err := os.Hostname(); err == nil && h != "" {
			host = h
		}
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}
