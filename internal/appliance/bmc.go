package appliance

import (
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"

	"github.com/slipway-dev/slipway/internal/bmc"
	"github.com/slipway-dev/slipway/internal/config"
	"github.com/slipway-dev/slipway/internal/store"
)

// bmclibDebugEnv is bmclib's debug switch (see newBMC).
const bmclibDebugEnv = "DEBUG_BMCLIB"

// bmcParts are the BMC pieces the appliance wires: the Executor the API
// server hands power and boot actions to, and the power sync component
// (nil when disabled).
type bmcParts struct {
	executor *bmc.Executor
	sync     *bmc.PowerSync
}

// newBMC builds the BMC controller from cfg.BMC. Its logger redacts every
// BMC password it has seen.
func newBMC(cfg config.BMCConfig, db *store.DB, keys bmc.Opener, log *slog.Logger) (bmcParts, error) {
	// bmclib's Redfish library dumps raw HTTP, login bodies with passwords
	// included, to stdout when this is set: refuse rather than leak.
	if v := os.Getenv(bmclibDebugEnv); v != "" {
		return bmcParts{}, fmt.Errorf("%s=%s is set: it makes bmclib print BMC passwords; unset it", bmclibDebugEnv, v)
	}
	secrets := bmc.NewSecrets()
	log = slog.New(secrets.Handler(log.Handler())).With("component", "bmc")
	var roots *x509.CertPool
	if cfg.RedfishCAFile != "" {
		pem, err := os.ReadFile(cfg.RedfishCAFile)
		if err != nil {
			return bmcParts{}, fmt.Errorf("bmc.redfishCAFile: %w", err)
		}
		if roots, err = x509.SystemCertPool(); err != nil {
			roots = x509.NewCertPool()
		}
		if !roots.AppendCertsFromPEM(pem) {
			return bmcParts{}, fmt.Errorf("bmc.redfishCAFile %s: no PEM certificates", cfg.RedfishCAFile)
		}
	}
	dialer := &bmc.BmclibDialer{Ipmitool: cfg.Ipmitool, CipherSuite: cfg.IPMICipherSuite, RootCAs: roots,
		Secrets: secrets, Log: log}
	ctl := bmc.NewController(bmc.Config{
		MaxConcurrent:    cfg.MaxConcurrent,
		CallTimeout:      cfg.CallTimeout.D(),
		OperationTimeout: cfg.OperationTimeout.D(),
		Retries:          cfg.Retries,
		VerifyTimeout:    cfg.VerifyTimeout.D(),
		SoftOffTimeout:   cfg.SoftOffTimeout.D(),
	}, dialer, secrets, log)
	parts := bmcParts{executor: &bmc.Executor{DB: db, Keys: keys, Ctl: ctl, Log: log}}
	if !cfg.PowerSyncDisabled {
		parts.sync = &bmc.PowerSync{DB: db, Keys: keys, Ctl: ctl, Log: log.With("component", "power-sync"),
			Interval: cfg.PowerSyncInterval.D(), UnreachableAfter: cfg.UnreachableAfter}
	}
	return parts, nil
}

// components returns the BMC's long-running parts.
func (p bmcParts) components() []component {
	if p.sync == nil {
		return nil
	}
	return []component{{"power-sync", p.sync.Run}}
}
