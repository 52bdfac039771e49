package fleet

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"k8s.io/client-go/kubernetes"

	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/kube"
	"github.com/slipway-dev/slipway/internal/secret"
	"github.com/slipway-dev/slipway/internal/store"
)

// Defaults of the controller's Config.
const (
	DefaultInterval      = 5 * time.Second
	DefaultTokenTTL      = time.Hour
	DefaultStuckAfter    = 20 * time.Minute
	DefaultExpiryWarning = 30 * 24 * time.Hour
	// applianceCertTTL is the life of the appliance's own client
	// certificate on a cluster (kept in memory, reissued at half-life).
	applianceCertTTL = 24 * time.Hour
	// parallelReconciles bounds how many clusters one Reconcile looks at
	// at once.
	parallelReconciles = 8
)

// Config configures the controller.
type Config struct {
	// Keys seals the clusters' secrets (the appliance key).
	Keys *secret.Keyring
	// ArtifactsDir holds the built binaries (images/kube's cache layout:
	// kube/VERSION, containerd/VERSION); a version without them is refused.
	ArtifactsDir string
	// Interval between two reconciles of every cluster.
	Interval time.Duration
	// TokenTTL is a bootstrap token's lifetime in the cluster; refreshed
	// while its worker is still on its way, deleted once it joined.
	TokenTTL time.Duration
	// StuckAfter is how long a phase may make no progress before the
	// cluster reports it stuck.
	StuckAfter time.Duration
	// ExpiryWarning is how far ahead a certificate expiry raises an event.
	ExpiryWarning time.Duration
}

// Validate names the first field that is wrong.
func (c Config) Validate() error {
	switch {
	case c.Keys == nil:
		return errors.New("fleet: keys are required")
	case c.ArtifactsDir == "":
		return errors.New("fleet: artifactsDir is required")
	case c.Interval < 0, c.TokenTTL < 0, c.StuckAfter < 0, c.ExpiryWarning < 0:
		return errors.New("fleet: durations must not be negative")
	}
	return nil
}

// Controller builds clusters from machines and watches them: it renders
// the members' node bundles (NodeSeed), and once a control plane answers it
// applies the bootstrap RBAC, publishes, refreshes and revokes the workers'
// bootstrap tokens, moves joined machines to active, keeps each cluster's
// Status and registers ready clusters with their fleets' managers.
type Controller struct {
	cfg Config
	db  *store.DB
	log *slog.Logger
	now func() time.Time

	mu       sync.Mutex
	clients  map[string]*clusterClient
	managers map[string]kubernetes.Interface // fleet manager clients by credentials name (+ digest)
}

// New builds a controller.
func New(cfg Config, db *store.DB, log *slog.Logger) (*Controller, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if db == nil {
		return nil, errors.New("fleet: store is required")
	}
	cfg.Interval = orDuration(cfg.Interval, DefaultInterval)
	cfg.TokenTTL = orDuration(cfg.TokenTTL, DefaultTokenTTL)
	cfg.StuckAfter = orDuration(cfg.StuckAfter, DefaultStuckAfter)
	cfg.ExpiryWarning = orDuration(cfg.ExpiryWarning, DefaultExpiryWarning)
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Controller{cfg: cfg, db: db, log: log, now: time.Now,
		clients: map[string]*clusterClient{}, managers: map[string]kubernetes.Interface{}}, nil
}

func orDuration(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// Supported says whether the appliance carries the binaries of Kubernetes
// version (and of the containerd the nodes run); the error says what is
// missing and how to build it.
func (c *Controller) Supported(version string) error {
	if _, err := kube.LoadArtifacts(c.cfg.ArtifactsDir, "kube", version, kube.KubeBinaries); err != nil {
		return fmt.Errorf("kubernetesVersion %s is not supported by this appliance: %w", version, err)
	}
	if _, err := kube.LoadArtifacts(c.cfg.ArtifactsDir, "containerd", kube.ContainerdVersion, kube.ContainerdBinaries); err != nil {
		return fmt.Errorf("kubernetesVersion %s: the nodes' containerd: %w", version, err)
	}
	return nil
}

// Run reconciles every cluster each Interval until ctx ends.
func (c *Controller) Run(ctx context.Context) error {
	t := time.NewTicker(c.cfg.Interval)
	defer t.Stop()
	for {
		if err := c.Reconcile(ctx); err != nil && ctx.Err() == nil {
			c.log.Warn("clusters: reconcile", "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Reconcile brings every declared cluster one step closer to its
// declaration and records what it saw; a failure of one cluster does not
// stop the others (they are joined in the error).
func (c *Controller) Reconcile(ctx context.Context) error {
	var names []string
	var orphans []store.ClusterRecord
	err := c.db.View(ctx, func(tx *store.Tx) error {
		objs, err := tx.ListObjects(string(inventory.KindCluster))
		if err != nil {
			return err
		}
		declared := map[string]bool{}
		for _, o := range objs {
			names, declared[o.Name] = append(names, o.Name), true
		}
		recs, err := tx.ListClusterRecords()
		for _, r := range recs {
			if !declared[r.Name] {
				orphans = append(orphans, r)
			}
		}
		return err
	})
	if err != nil {
		return err
	}
	// Clusters are looked at in parallel (bounded): one whose API does not
	// answer costs its probe's timeout, not everyone's.
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
		sem  = make(chan struct{}, parallelReconciles)
	)
	for _, name := range names {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := c.reconcile(ctx, name); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("cluster %s: %w", name, err))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for _, r := range orphans {
		if err := c.forget(ctx, r); err != nil {
			errs = append(errs, fmt.Errorf("cluster %s: %w", r.Name, err))
		}
	}
	return errors.Join(errs...)
}
