package fleet

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/slipway-dev/slipway/internal/kube"
	"github.com/slipway-dev/slipway/internal/store"
)

// ErrRefused marks a cluster declaration the appliance cannot build (no
// artifacts for its version, a member without an address, ...): the
// machine's install fails with the message instead of the appliance erring.
var ErrRefused = errors.New("refused")

// NodeSeed is what a cluster member's cloud-init seed carries: its files
// (certificates, kubeconfigs, units, configuration) and the units to
// enable, in start order.
type NodeSeed struct {
	Files kube.FileSet
	Units []string
}

// NodeSeed renders machine's node bundle for cluster (creating the
// cluster's PKI on first use and, for a worker, a new bootstrap token that
// replaces the previous one). It runs in the transaction that hands the
// machine its install, so the bundle and the records agree.
func (c *Controller) NodeSeed(tx *store.Tx, machine, cluster string) (*NodeSeed, error) {
	spec, err := clusterSpec(tx, cluster)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: machine %s: spec.cluster: cluster %s is not declared", ErrRefused, machine, cluster)
	}
	if err != nil {
		return nil, err
	}
	if err := c.Supported(spec.KubernetesVersion); err != nil {
		return nil, fmt.Errorf("%w: cluster %s: %w", ErrRefused, cluster, err)
	}
	ms, err := members(tx, cluster, spec)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRefused, err)
	}
	r, err := loadRecord(tx, c.cfg.Keys, cluster, true)
	if err != nil {
		return nil, err
	}
	kc, err := shape(cluster, spec, ms, &r.st)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRefused, err)
	}
	n, err := kc.Node(machine)
	if err != nil {
		return nil, fmt.Errorf("%w: machine %s is not a member of cluster %s (not in its control plane, workers or selector)", ErrRefused, machine, cluster)
	}
	now := tx.Now()
	var token kube.BootstrapToken
	if n.Role == kube.RoleWorker {
		if token, err = r.newToken(machine, now, c.cfg.TokenTTL); err != nil {
			return nil, err
		}
	}
	files, err := r.pki.NodeBundle(kc, machine, token, now)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRefused, err)
	}
	if err := r.noteExpiry("node/"+machine, certFiles(files)); err != nil {
		return nil, err
	}
	r.st.issue(machine, 0, now)
	if r.created {
		r.status = Status{Phase: PhaseProvisioning, Since: now, Version: spec.KubernetesVersion, Endpoint: kc.Endpoint}
	}
	if err := r.save(tx, c.cfg.Keys); err != nil {
		return nil, err
	}
	return &NodeSeed{Files: files, Units: kube.Units(kc, n)}, nil
}

// newToken makes worker's bootstrap token; the one it replaces is revoked
// (deleted from the cluster on the next reconcile).
func (r *record) newToken(worker string, now time.Time, ttl time.Duration) (kube.BootstrapToken, error) {
	t, err := kube.NewBootstrapToken(now, ttl, "slipway: kubelet TLS bootstrap of "+worker)
	if err != nil {
		return t, err
	}
	if r.st.Tokens == nil {
		r.st.Tokens, r.sec.Tokens = map[string]tokenState{}, map[string]string{}
	}
	if r.sec.Tokens == nil {
		r.sec.Tokens = map[string]string{}
	}
	if old, ok := r.st.Tokens[worker]; ok && old.Published && !old.Revoked {
		r.st.Revoke = append(r.st.Revoke, old.ID)
	}
	r.st.Tokens[worker] = tokenState{ID: t.ID}
	r.sec.Tokens[worker] = t.Secret
	return t, nil
}

// certFiles are the bundle's certificates and kubeconfigs: kube.Expiries
// reads every .conf file as a kubeconfig, and the bundle's rendered
// sysctl.d and modules-load.d .conf files are not.
func certFiles(files kube.FileSet) kube.FileSet {
	out := kube.FileSet{}
	for p, f := range files {
		if strings.HasPrefix(p, kube.KubeDir+"/") || p == kube.KubeletClientFile {
			out[p] = f
		}
	}
	return out
}

// noteExpiry records when the first certificate in files expires.
func (r *record) noteExpiry(key string, files kube.FileSet) error {
	exp, err := kube.Expiries(files)
	if err != nil {
		return err
	}
	var first time.Time
	for _, e := range exp {
		if first.IsZero() || e.NotAfter.Before(first) {
			first = e.NotAfter
		}
	}
	if r.st.Certs == nil {
		r.st.Certs = map[string]time.Time{}
	}
	r.st.Certs[key] = first.UTC()
	return nil
}
