// Package infra runs Terraform on the appliance (through terraform-exec):
// each configured site is a root module planned and applied against the
// appliance's own API, with its state in the appliance's http backend and
// the provider installed from a filesystem mirror (no registry). A plan is
// kept with an ID and a readable diff for review; apply applies exactly
// that saved plan and refuses a stale one; a periodic drift plan records an
// event when the hardware or inventory no longer matches. One run per site
// at a time; every run keeps its output and error.
package infra

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/config"
	"github.com/slipway-dev/slipway/internal/store"
	"github.com/slipway-dev/slipway/internal/tfstate"
)

// Defaults.
const (
	DefaultRunTimeout = 30 * time.Minute
	// maxOutput bounds the terraform output kept with a run.
	maxOutput = 256 << 10
	// Actor is who the drift checks run as.
	Actor = "system:infra"
	// EventDrift is the event a drift check that found changes records.
	EventDrift = "infra.drift"
)

// Errors.
var (
	// ErrBusy: another run of the site is in progress.
	ErrBusy = fmt.Errorf("a run of this site is in progress: %w", store.ErrConflict)
	// ErrStale: the plan cannot be applied (superseded, applied, or the
	// state changed since).
	ErrStale = fmt.Errorf("stale plan: %w", store.ErrConflict)
	// ErrNotConfigured: sites need infra.terraform.
	ErrNotConfigured = errors.New("infra.terraform is not configured: the appliance cannot run terraform")
)

// Keyring seals saved plans (they carry state values).
type Keyring interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(sealed, aad []byte) ([]byte, error)
}

// Config configures the runner.
type Config struct {
	Terraform      string
	ProviderMirror string
	DriftInterval  time.Duration // <= 0: no drift checks
	RunTimeout     time.Duration
	Sites          []config.SiteConfig
	// WorkDir holds one working directory per site.
	WorkDir string
}

// Endpoint is how terraform reaches the appliance's API.
type Endpoint struct {
	URL   string
	CAPEM []byte
	Token string // an operator token for the provider and the state backend
}

// Runner plans and applies sites. It is safe for concurrent use.
type Runner struct {
	cfg   Config
	db    *store.DB
	keys  Keyring
	state *tfstate.Service
	log   *slog.Logger
	now   func() time.Time

	mu       sync.Mutex
	busy     map[string]string // site → what runs
	endpoint Endpoint
}

// New returns a runner; SetEndpoint must be called before a run.
func New(cfg Config, db *store.DB, keys Keyring, state *tfstate.Service, log *slog.Logger) *Runner {
	if cfg.RunTimeout <= 0 {
		cfg.RunTimeout = DefaultRunTimeout
	}
	return &Runner{cfg: cfg, db: db, keys: keys, state: state, log: log, now: time.Now, busy: map[string]string{}}
}

// SetEndpoint tells the runner where the API listens.
func (r *Runner) SetEndpoint(e Endpoint) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.endpoint = e
}

func (r *Runner) site(name string) (config.SiteConfig, error) {
	for _, s := range r.cfg.Sites {
		if s.Name == name {
			return s, nil
		}
	}
	return config.SiteConfig{}, fmt.Errorf("site %s: %w", name, store.ErrNotFound)
}

// acquire marks a site busy for what; release ends it.
func (r *Runner) acquire(site, what string) (func(), error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if cur, ok := r.busy[site]; ok {
		return nil, fmt.Errorf("site %s: %s: %w", site, cur, ErrBusy)
	}
	r.busy[site] = what
	return func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		delete(r.busy, site)
	}, nil
}

// StateName is the http-backend state a site's runs use.
func StateName(site string) string { return "site-" + site }

// List returns the configured sites with their latest runs.
func (r *Runner) List(ctx context.Context) ([]api.Site, error) {
	out := make([]api.Site, 0, len(r.cfg.Sites))
	for _, s := range r.cfg.Sites {
		v, err := r.describe(ctx, s, 1)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Get returns a site with its last 20 runs (without their output).
func (r *Runner) Get(ctx context.Context, name string) (api.Site, error) {
	s, err := r.site(name)
	if err != nil {
		return api.Site{}, err
	}
	return r.describe(ctx, s, 20)
}

func (r *Runner) describe(ctx context.Context, s config.SiteConfig, n int) (api.Site, error) {
	out := api.Site{Name: s.Name, Module: s.Module, Vars: s.Vars}
	err := r.db.View(ctx, func(tx *store.Tx) error {
		runs, err := tx.ListInfraRuns(s.Name, 50)
		if err != nil {
			return err
		}
		for i := range runs {
			runs[i].Output, runs[i].PlanFile = "", nil
			if out.Drift == nil && runs[i].Kind == KindDrift {
				out.Drift = &runs[i]
			}
		}
		if len(runs) > 0 {
			out.LastRun = &runs[0]
		}
		if n > 1 {
			out.Runs = runs[:min(n, len(runs))]
		}
		if l, err := tx.GetTFLock(StateName(s.Name)); err == nil {
			out.Lock = &l
		}
		return nil
	})
	return out, err
}

// Run returns the run id of site.
func (r *Runner) Run(ctx context.Context, site, id string) (store.InfraRun, error) {
	var run store.InfraRun
	err := r.db.View(ctx, func(tx *store.Tx) error {
		var err error
		run, err = tx.GetInfraRun(id)
		return err
	})
	if err == nil && run.Site != site {
		err = fmt.Errorf("run %s of site %s: %w", id, site, store.ErrNotFound)
	}
	run.PlanFile = nil
	return run, err
}

// Start runs the periodic drift checks until ctx ends.
func (r *Runner) Start(ctx context.Context) error {
	if r.cfg.DriftInterval <= 0 || len(r.cfg.Sites) == 0 || r.cfg.Terraform == "" {
		<-ctx.Done()
		return ctx.Err()
	}
	t := time.NewTicker(r.cfg.DriftInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			r.checkDrift(ctx)
		}
	}
}

// checkDrift plans every site once (a busy site is skipped).
func (r *Runner) checkDrift(ctx context.Context) {
	for _, s := range r.cfg.Sites {
		run, err := r.plan(ctx, s.Name, KindDrift, Actor)
		switch {
		case errors.Is(err, ErrBusy):
			r.log.Debug("drift check skipped: site busy", "site", s.Name)
		case err != nil:
			r.log.Warn("drift check failed", "site", s.Name, "err", err)
		case run.Changes > 0:
			r.log.Info("drift found", "site", s.Name, "run", run.ID, "summary", run.Summary)
		}
	}
}
