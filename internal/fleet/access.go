package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/slipway-dev/slipway/internal/store"
)

// MaxKubeconfigTTL bounds what `slipway kubeconfig cluster` hands out.
const MaxKubeconfigTTL = 24 * time.Hour

// Statuses returns the last observed status of every cluster with a
// record, by name (a declared cluster without one is pending).
func Statuses(tx *store.Tx) (map[string]Status, error) {
	recs, err := tx.ListClusterRecords()
	if err != nil {
		return nil, err
	}
	out := map[string]Status{}
	for _, r := range recs {
		var st Status
		if err := json.Unmarshal(r.Status, &st); err != nil {
			return nil, fmt.Errorf("cluster %s: stored status: %w", r.Name, err)
		}
		out[r.Name] = st
	}
	return out, nil
}

// ErrNotReady is returned for a kubeconfig of a cluster whose declaration
// cannot be built yet.
var ErrNotReady = errors.New("not ready")

// Kubeconfig issues a short-lived admin kubeconfig of cluster for user
// (cluster-admin through the kubeadm:cluster-admins group), valid for ttl
// (at most MaxKubeconfigTTL). The caller audits the request.
func (c *Controller) Kubeconfig(ctx context.Context, cluster, user string, ttl time.Duration) ([]byte, error) {
	if ttl <= 0 || ttl > MaxKubeconfigTTL {
		return nil, fmt.Errorf("ttl %v: want more than 0 and at most %v", ttl, MaxKubeconfigTTL)
	}
	v, err := c.read(ctx, cluster)
	if err != nil {
		return nil, err
	}
	if v.refused != nil {
		return nil, fmt.Errorf("cluster %s: %w: %w", cluster, ErrNotReady, v.refused)
	}
	return v.rec.pki.AdminKubeconfig(v.cluster, user, ttl, c.now())
}
