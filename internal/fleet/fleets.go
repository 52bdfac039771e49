package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/kube"
	"github.com/slipway-dev/slipway/internal/store"
)

// reexport is how often a registration is written again (a manager that
// lost it gets it back).
const reexport = time.Hour

// fleetRef is a fleet a cluster belongs to and its exporters.
type fleetRef struct {
	name      string
	exporters []inventory.FleetExporter
}

// fleetsOf returns the fleets cluster belongs to: its spec.fleet and every
// fleet listing it in spec.clusters.
func fleetsOf(tx *store.Tx, cluster string, spec inventory.ClusterSpec) ([]fleetRef, error) {
	objs, err := tx.ListObjects(string(inventory.KindFleet))
	if err != nil {
		return nil, err
	}
	var out []fleetRef
	for _, o := range objs {
		var fs inventory.FleetSpec
		if err := json.Unmarshal(o.Spec, &fs); err != nil {
			return nil, fmt.Errorf("fleet %s: stored spec: %w", o.Name, err)
		}
		if o.Name == spec.Fleet || slices.Contains(fs.Clusters, cluster) {
			out = append(out, fleetRef{name: o.Name, exporters: fs.Exporters})
		}
	}
	return out, nil
}

// exporterFor returns the exporter an inventory entry declares.
func exporterFor(e inventory.FleetExporter) (Exporter, error) {
	switch e.Type {
	case inventory.ExporterArgoCD:
		return ArgoCD{Namespace: e.Namespace}, nil
	case inventory.ExporterClusterAPI:
		return ClusterAPI{Namespace: e.Namespace}, nil
	}
	return nil, fmt.Errorf("exporter type %q is not known", e.Type)
}

func (e export) same(f string, x inventory.FleetExporter) bool {
	return e.Fleet == f && e.Exporter == x.Type && e.Target == x.CredentialsRef && e.Namespace == x.Namespace
}

// export writes the registration of a ready cluster to each of its
// fleets' managers (again every reexport), removes registrations the
// declaration no longer asks for, and records what it did.
func (c *Controller) export(ctx context.Context, v *view, st Status) error {
	now := c.now()
	var done []export
	var errs []error
	if st.Phase == PhaseReady || st.Phase == PhaseDegraded {
		for _, f := range v.fleets {
			for _, x := range f.exporters {
				i := slices.IndexFunc(v.rec.st.Exports, func(e export) bool { return e.same(f.name, x) })
				if i >= 0 && now.Sub(v.rec.st.Exports[i].At) < reexport {
					continue
				}
				if err := c.exportOne(ctx, v, f.name, x); err != nil {
					errs = append(errs, err)
					continue
				}
				done = append(done, export{Fleet: f.name, Exporter: x.Type, Target: x.CredentialsRef, Namespace: x.Namespace, At: now})
			}
		}
	}
	if err := c.unexport(ctx, v.rec, v.fleets); err != nil {
		errs = append(errs, err)
	}
	if len(done) > 0 {
		err := c.db.Update(ctx, func(tx *store.Tx) error {
			r, err := loadRecord(tx, c.cfg.Keys, v.name, false)
			if err != nil {
				return err
			}
			for _, d := range done {
				r.st.Exports = slices.DeleteFunc(r.st.Exports, func(e export) bool { return e.same(d.Fleet, d.declared()) })
				r.st.Exports = append(r.st.Exports, d)
				msg := fmt.Sprintf("cluster %s registered with fleet %s's %s manager (credentials %s)", v.name, d.Fleet, d.Exporter, d.Target)
				if err := c.event(tx, "", v.name, "cluster.exported", msg); err != nil {
					return err
				}
			}
			return r.save(tx, c.cfg.Keys)
		})
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (e export) declared() inventory.FleetExporter {
	return inventory.FleetExporter{Type: e.Exporter, CredentialsRef: e.Target, Namespace: e.Namespace}
}

func (c *Controller) exportOne(ctx context.Context, v *view, fleet string, x inventory.FleetExporter) error {
	ex, err := exporterFor(x)
	if err != nil {
		return err
	}
	kp, ok := v.rec.sec.Fleet[fleet]
	if !ok {
		return fmt.Errorf("fleet %s: no registration certificate yet", fleet)
	}
	mgr, err := c.manager(ctx, x.CredentialsRef)
	if err != nil {
		return fmt.Errorf("fleet %s: %s manager: %w", fleet, x.Type, err)
	}
	reg := Registration{Cluster: v.name, Fleet: fleet, Server: "https://" + v.cluster.Endpoint,
		CAData: v.rec.pki.CACert(), CertData: kp.Cert, KeyData: kp.Key}
	if err := ex.Apply(ctx, mgr, reg); err != nil {
		return fmt.Errorf("fleet %s: %s manager (%s): %w", fleet, x.Type, x.CredentialsRef, err)
	}
	return nil
}

// unexport removes the recorded registrations that keep (the cluster's
// current fleets) no longer declares, and forgets them.
func (c *Controller) unexport(ctx context.Context, r *record, keep []fleetRef) error {
	var gone []export
	var errs []error
	for _, e := range r.st.Exports {
		if slices.ContainsFunc(keep, func(f fleetRef) bool {
			return slices.ContainsFunc(f.exporters, func(x inventory.FleetExporter) bool { return e.same(f.name, x) })
		}) {
			continue
		}
		ex, err := exporterFor(e.declared())
		if err == nil {
			var mgr kubernetes.Interface
			if mgr, err = c.manager(ctx, e.Target); err == nil {
				err = ex.Remove(ctx, mgr, r.name)
			}
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("remove registration from fleet %s (%s, %s): %w", e.Fleet, e.Exporter, e.Target, err))
			continue
		}
		gone = append(gone, e)
	}
	if len(gone) == 0 {
		return errors.Join(errs...)
	}
	err := c.db.Update(ctx, func(tx *store.Tx) error {
		cur, err := loadRecord(tx, c.cfg.Keys, r.name, false)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		for _, g := range gone {
			cur.st.Exports = slices.DeleteFunc(cur.st.Exports, func(e export) bool { return e.same(g.Fleet, g.declared()) })
			msg := fmt.Sprintf("cluster %s removed from fleet %s's %s manager (credentials %s)", r.name, g.Fleet, g.Exporter, g.Target)
			if err := c.event(tx, "", r.name, "cluster.unexported", msg); err != nil {
				return err
			}
		}
		return cur.save(tx, c.cfg.Keys)
	})
	return errors.Join(append(errs, err)...)
}

// manager returns a client of the fleet manager cluster whose kubeconfig
// is the secret of credentials name.
func (c *Controller) manager(ctx context.Context, name string) (kubernetes.Interface, error) {
	var cred store.Credential
	err := c.db.View(ctx, func(tx *store.Tx) (err error) {
		cred, err = tx.GetCredential(name)
		return err
	})
	if err != nil {
		return nil, err
	}
	key := fmt.Sprintf("%s@%d", name, cred.UpdatedAt.UnixNano())
	c.mu.Lock()
	defer c.mu.Unlock()
	if cs, ok := c.managers[key]; ok {
		return cs, nil
	}
	data, err := c.cfg.Keys.Open(cred.Sealed, []byte(cred.Name))
	if err != nil {
		return nil, fmt.Errorf("credentials %s: %w", name, err)
	}
	cfg, err := clientcmd.RESTConfigFromKubeConfig(data)
	if err != nil {
		return nil, fmt.Errorf("credentials %s: not a kubeconfig: %w", name, err)
	}
	cfg.Timeout, cfg.UserAgent = 15*time.Second, "slipway-fleet"
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("credentials %s: %w", name, err)
	}
	c.managers[key] = cs
	return cs, nil
}

// ensureFleetClients issues the registration certificate of every fleet
// the cluster belongs to that has none (or whose is within the warning
// window); it says whether the record changed.
func (c *Controller) ensureFleetClients(r *record, fleets []fleetRef, now time.Time) (bool, error) {
	changed := false
	for _, f := range fleets {
		key := "fleet/" + f.name
		if _, ok := r.sec.Fleet[f.name]; ok && r.st.Certs[key].Sub(now) > c.cfg.ExpiryWarning {
			continue
		}
		cert, k, err := r.pki.FleetClient(f.name, kube.CertValidity, now)
		if err != nil {
			return changed, err
		}
		if r.sec.Fleet == nil {
			r.sec.Fleet = map[string]keyPair{}
		}
		r.sec.Fleet[f.name] = keyPair{Cert: cert, Key: k}
		if err := r.noteExpiry(key, kube.FileSet{key + ".crt": {Data: cert}}); err != nil {
			return changed, err
		}
		changed = true
	}
	return changed, nil
}
