package appliance

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/slipway-dev/slipway/internal/auth"
	"github.com/slipway-dev/slipway/internal/config"
	"github.com/slipway-dev/slipway/internal/infra"
	"github.com/slipway-dev/slipway/internal/secret"
	"github.com/slipway-dev/slipway/internal/server"
	"github.com/slipway-dev/slipway/internal/store"
	"github.com/slipway-dev/slipway/internal/tfstate"
)

// infraTokenName names the admin token (sites may declare credentials) the appliance's own Terraform
// runs use (for the provider and the http backend). A new one replaces the
// previous one at every start; it lives only in memory.
const infraTokenName = "system-infra"

// InfraDir is the sites' working directories inside the data directory.
const InfraDir = "infra"

// terraform wires the http backend state and the appliance-run Terraform.
type terraform struct {
	db     *store.DB
	state  *tfstate.Service
	runner *infra.Runner
	log    *slog.Logger
	sites  bool // any site configured: the runner needs an API token
}

func newTerraform(cfg config.Config, db *store.DB, keys *secret.Keyring, log *slog.Logger) *terraform {
	log = log.With("component", "infra")
	st := tfstate.New(db, keys)
	r := infra.New(infra.Config{
		Terraform:      cfg.Infra.Terraform,
		ProviderMirror: cfg.Infra.ProviderMirror,
		DriftInterval:  driftInterval(cfg.Infra.DriftInterval.D()),
		RunTimeout:     cfg.Infra.RunTimeout.D(),
		Sites:          cfg.Infra.Sites,
		WorkDir:        filepath.Join(cfg.DataDir, InfraDir),
	}, db, keys, st, log)
	return &terraform{db: db, state: st, runner: r, log: log, sites: len(cfg.Infra.Sites) > 0}
}

func driftInterval(d time.Duration) time.Duration {
	if d == 0 {
		return config.DefaultDriftInterval
	}
	return d
}

func (t *terraform) option() server.Option {
	return server.WithTerraform(server.Terraform{State: t.state, Sites: t.runner})
}

// serveAt gives the runner the API's address and a fresh token, replacing
// the previous start's. With no sites configured no token exists at all.
func (t *terraform) serveAt(ctx context.Context, info Info) error {
	secretTok, tok, err := auth.New(infraTokenName, auth.Admin, "system", 0, time.Now())
	if err != nil {
		return fmt.Errorf("infra token: %w", err)
	}
	err = t.db.Update(ctx, func(tx *store.Tx) error {
		old, err := tx.ListTokens()
		if err != nil {
			return err
		}
		for _, o := range old {
			if o.Name == infraTokenName {
				if err := tx.DeleteToken(o.ID); err != nil {
					return err
				}
			}
		}
		if !t.sites {
			return nil
		}
		return tx.CreateToken(&tok)
	})
	if err != nil {
		return fmt.Errorf("infra token: %w", err)
	}
	t.runner.SetEndpoint(infra.Endpoint{URL: info.URL, CAPEM: info.CAPEM, Token: secretTok})
	return nil
}

func (t *terraform) run(ctx context.Context) error { return t.runner.Start(ctx) }
