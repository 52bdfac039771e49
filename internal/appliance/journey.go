package appliance

import (
	"log/slog"

	"github.com/slipway-dev/slipway/internal/config"
	"github.com/slipway-dev/slipway/internal/journey"
	"github.com/slipway-dev/slipway/internal/store"
)

// journeyParts are the agent's service (API endpoints, phone-home) and the
// worker carrying out the BMC steps of the journey.
type journeyParts struct {
	svc    *journey.Service
	worker *journey.Worker
}

// newJourney builds the service and the worker; executor is nil without BMCs.
// caPEM is the API's CA: cluster nodes renew their certificates over the
// API trusting it (none when the API is plain HTTP).
func newJourney(cfg config.Config, db *store.DB, executor journey.Executor, clusters journey.Clusters, caPEM []byte,
	log *slog.Logger) (journeyParts, error) {
	n := cfg.Netboot.WithDefaults(cfg.DataDir)
	svc, err := journey.New(journey.Config{
		SessionTTL: cfg.Agent.SessionTTL.D(), PhoneHomeTTL: cfg.Agent.PhoneHomeTTL.D(),
		BootURL: n.AdvertiseURL, BootPort: portOfListen(n.HTTPListen), SSHKeys: cfg.Agent.SSHAuthorizedKeys,
		Clusters: clusters, CAPEM: caPEM,
	}, db, log.With("component", "agent"))
	if err != nil {
		return journeyParts{}, err
	}
	return journeyParts{svc: svc,
		worker: &journey.Worker{DB: db, Executor: executor, Log: log.With("component", "journey")}}, nil
}

// portOfListen is the port of a host:port listen address ("8080" when none).
func portOfListen(listen string) string {
	for i := len(listen) - 1; i >= 0; i-- {
		if listen[i] == ':' {
			if p := listen[i+1:]; p != "" {
				return p
			}
			break
		}
	}
	return "8080"
}
