package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/kube"
	"github.com/slipway-dev/slipway/internal/machine"
	"github.com/slipway-dev/slipway/internal/store"
)

// view is what one reconcile reads of a cluster.
type view struct {
	name    string
	spec    inventory.ClusterSpec
	members []member
	cluster kube.Cluster
	refused error // why the declaration cannot be built
	rec     *record
	fleets  []fleetRef
}

func (v *view) memberState(name string) string {
	for _, m := range v.members {
		if m.Name == name {
			return m.State
		}
	}
	return ""
}

// read loads the view of cluster name, creating its record (and PKI) on
// first sight.
func (c *Controller) read(ctx context.Context, name string) (*view, error) {
	v := &view{name: name}
	err := c.db.Update(ctx, func(tx *store.Tx) error {
		var err error
		if v.spec, err = clusterSpec(tx, name); err != nil {
			return err
		}
		if v.rec, err = loadRecord(tx, c.cfg.Keys, name, true); err != nil {
			return err
		}
		if v.fleets, err = fleetsOf(tx, name, v.spec); err != nil {
			return err
		}
		if v.members, err = members(tx, name, v.spec); err != nil {
			v.refused = err
		} else if err := c.Supported(v.spec.KubernetesVersion); err != nil {
			v.refused = err
		} else if v.cluster, err = shape(name, v.spec, v.members, &v.rec.st); err != nil {
			v.refused = err
		}
		changed, err := c.ensureFleetClients(v.rec, v.fleets, tx.Now())
		if err != nil {
			return err
		}
		if v.rec.created || changed {
			return v.rec.save(tx, c.cfg.Keys)
		}
		return nil
	})
	return v, err
}

// reconcile is one step for cluster name: observe, then record.
func (c *Controller) reconcile(ctx context.Context, name string) error {
	v, err := c.read(ctx, name)
	if err != nil {
		return err
	}
	obs := c.observe(ctx, v)
	var st Status
	err = c.db.Update(ctx, func(tx *store.Tx) error {
		r, err := loadRecord(tx, c.cfg.Keys, name, false)
		if err != nil {
			return err
		}
		prev := r.status
		r.merge(obs)
		st = c.status(v, obs, r)
		r.status = st
		if err := c.record(tx, v, obs, r, prev); err != nil {
			return err
		}
		return r.save(tx, c.cfg.Keys)
	})
	if err != nil {
		return err
	}
	return c.export(ctx, v, st)
}

// merge takes what the observation changed into the (reloaded) record;
// a token replaced meanwhile (a new install) is left alone.
func (r *record) merge(obs observation) {
	r.st.RBAC = r.st.RBAC || obs.rbac
	for worker, ts := range obs.tokens {
		if cur, ok := r.st.Tokens[worker]; ok && cur.ID == ts.ID {
			r.st.Tokens[worker] = ts
		}
	}
	r.st.Revoke = slices.DeleteFunc(r.st.Revoke, func(id string) bool { return slices.Contains(obs.revoked, id) })
}

// record writes the events and transitions the observation calls for.
func (c *Controller) record(tx *store.Tx, v *view, obs observation, r *record, prev Status) error {
	for _, m := range v.members {
		if m.State != string(machine.Joining) || !obs.nodes[m.Name].ready {
			continue
		}
		msg := fmt.Sprintf("Node %s of cluster %s is Ready (kubelet %s)", m.Name, v.name, obs.nodes[m.Name].version)
		cause := machine.Cause{Reason: "node-ready", Message: msg, Actor: "system"}
		if _, err := machine.Transition(tx, m.Name, machine.Joined, cause); err != nil && !errors.Is(err, machine.ErrTransition) {
			return err
		}
	}
	for worker, ts := range obs.tokens {
		old := v.rec.st.Tokens[worker]
		switch {
		case ts.Revoked && !old.Revoked:
			if err := c.event(tx, worker, v.name, "cluster.token-revoked", fmt.Sprintf("bootstrap token %s revoked (node joined or install ended)", ts.ID)); err != nil {
				return err
			}
		case ts.Published && !old.Published:
			if err := c.event(tx, worker, v.name, "cluster.token-published", fmt.Sprintf("bootstrap token %s valid until %s (refreshed while the machine is on its way)", ts.ID, ts.Expires.Format("15:04:05Z07:00"))); err != nil {
				return err
			}
		}
	}
	return c.recordStatus(tx, v, r, prev)
}

// recordStatus raises an event when the phase changes, when the cluster
// gets stuck and when a certificate enters the warning window.
func (c *Controller) recordStatus(tx *store.Tx, v *view, r *record, prev Status) error {
	st := r.status
	if st.Phase != prev.Phase {
		msg := fmt.Sprintf("cluster %s: %s → %s", v.name, or(prev.Phase, "new"), st.Phase)
		if st.Message != "" {
			msg += ": " + st.Message
		}
		if err := c.event(tx, "", v.name, "cluster.phase", msg); err != nil {
			return err
		}
	}
	if st.Stuck != nil && st.Stuck.key() != r.st.Stuck {
		r.st.Stuck = st.Stuck.key()
		msg := fmt.Sprintf("cluster %s stuck in %s: %s", v.name, st.Stuck.Phase, st.Stuck.Reason)
		if err := c.event(tx, st.Stuck.Machine, v.name, "cluster.stuck", msg); err != nil {
			return err
		}
	} else if st.Stuck == nil {
		r.st.Stuck = ""
	}
	for _, key := range st.Expiring {
		exp := r.st.Certs[key]
		if w, ok := r.st.Warned[key]; ok && w.Equal(exp) {
			continue
		}
		if r.st.Warned == nil {
			r.st.Warned = map[string]time.Time{}
		}
		r.st.Warned[key] = exp
		msg := fmt.Sprintf("cluster %s: %s certificates expire on %s: renew them (slipway renew cluster %s)", v.name, key, exp.Format("2006-01-02"), v.name)
		if err := c.event(tx, "", v.name, "cluster.cert-expiring", msg); err != nil {
			return err
		}
	}
	return nil
}

// event appends a cluster event (on machine's timeline when set).
func (c *Controller) event(tx *store.Tx, machineName, cluster, typ, msg string) error {
	data, _ := json.Marshal(map[string]string{"cluster": cluster})
	return tx.AppendEvent(&store.Event{Machine: machineName, Type: typ, Reason: "cluster", Message: msg, Actor: "system", Data: data})
}

// forget removes what a deleted cluster left: its fleet registrations, then
// its record (and with it the cluster's PKI).
func (c *Controller) forget(ctx context.Context, rec store.ClusterRecord) error {
	r, err := openRecord(c.cfg.Keys, rec)
	if err != nil {
		return err
	}
	if err := c.unexport(ctx, r, nil); err != nil {
		return err
	}
	c.dropClient(rec.Name)
	return c.db.Update(ctx, func(tx *store.Tx) error {
		if err := tx.DeleteClusterRecord(rec.Name); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return c.event(tx, "", rec.Name, "cluster.deleted", fmt.Sprintf("cluster %s is no longer declared: its registrations and secrets are removed", rec.Name))
	})
}
