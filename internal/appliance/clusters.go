package appliance

import (
	"log/slog"

	"github.com/slipway-dev/slipway/internal/config"
	"github.com/slipway-dev/slipway/internal/fleet"
	"github.com/slipway-dev/slipway/internal/secret"
	"github.com/slipway-dev/slipway/internal/store"
)

// newClusters builds the cluster controller (node bundles, readiness,
// tokens, fleet exports).
func newClusters(cfg config.Config, db *store.DB, keys *secret.Keyring, log *slog.Logger) (*fleet.Controller, error) {
	k := cfg.Kubernetes
	return fleet.New(fleet.Config{Keys: keys, ArtifactsDir: k.ArtifactsPath(cfg.DataDir),
		Interval: k.Interval.D(), TokenTTL: k.TokenTTL.D(), StuckAfter: k.StuckAfter.D()},
		db, log.With("component", "clusters"))
}
