package fleet

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/slipway-dev/slipway/internal/kube"
	"github.com/slipway-dev/slipway/internal/machine"
	"github.com/slipway-dev/slipway/internal/store"
)

// RenewRequest is what a node's renewal script (kube.RenewScript) sends:
// the set of certificates it holds (0: its install's seed).
type RenewRequest struct {
	Serial int `json:"serial"`
}

// Renewal is a node's renewed set: the files to write (atomically, with
// their octal mode) and the units to restart afterwards.
type Renewal struct {
	Serial  int         `json:"serial"`
	Files   []RenewFile `json:"files"`
	Restart []string    `json:"restart"`
	// Why says what made it due (for the caller's log, not the node).
	Why string `json:"-"`
}

// RenewFile is one file of a Renewal; Data travels as base64.
type RenewFile struct {
	Path string `json:"path"`
	Mode string `json:"mode"`
	Data []byte `json:"data"`
}

// issued is the set of certificates a node was last given: Serial 0 is its
// install's seed, each renewal the next number.
type issued struct {
	Serial int       `json:"serial"`
	At     time.Time `json:"at"`
}

func (st *state) issue(node string, serial int, at time.Time) {
	if st.Issued == nil {
		st.Issued = map[string]issued{}
	}
	st.Issued[node] = issued{Serial: serial, At: at.UTC()}
}

// Renew asks for every node's certificates of cluster to be renewed: each
// node's renewal service fetches a new set on its next run (within the
// hour) and restarts the units using them. It returns when it was asked.
func (c *Controller) Renew(ctx context.Context, cluster, actor string) (time.Time, error) {
	var at time.Time
	err := c.db.Update(ctx, func(tx *store.Tx) error {
		if _, err := clusterSpec(tx, cluster); err != nil {
			return err
		}
		r, err := loadRecord(tx, c.cfg.Keys, cluster, false)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("%w: cluster %s has no nodes yet: nothing to renew", ErrNotReady, cluster)
		}
		if err != nil {
			return err
		}
		at = tx.Now().UTC()
		r.st.RenewRequested = at
		msg := fmt.Sprintf("cluster %s: certificate renewal requested by %s: each node fetches its new set within the hour", cluster, actor)
		if err := c.event(tx, "", cluster, "cluster.renew-requested", msg); err != nil {
			return err
		}
		return r.save(tx, c.cfg.Keys)
	})
	return at, err
}

// Renewal answers node machine's renewal script in tx: nil when nothing is
// due, else its re-issued certificates and kubeconfigs (kube.NodeCerts), the
// serial of the new set (a file of the set) and the units to restart. The
// new expiry is recorded and cluster.cert-renewed raised on the machine.
// A machine that is not a joining or active member of a cluster is
// refused (ErrRefused).
func (c *Controller) Renewal(tx *store.Tx, machineName string, req RenewRequest) (*Renewal, error) {
	kc, n, r, err := c.member(tx, machineName)
	if err != nil {
		return nil, err
	}
	now := tx.Now().UTC()
	why := r.renewDue(n, req, now, c.cfg.ExpiryWarning)
	if why == "" {
		return nil, nil
	}
	files, err := r.pki.NodeCerts(kc, n.Name, now)
	if err != nil {
		return nil, err
	}
	if err := r.noteExpiry("node/"+n.Name, files); err != nil {
		return nil, err
	}
	serial := max(req.Serial, r.st.Issued[n.Name].Serial) + 1
	r.st.issue(n.Name, serial, now)
	exp := r.st.Certs["node/"+n.Name]
	msg := fmt.Sprintf("node %s of cluster %s: certificates renewed (%s): set %d, expires on %s; restarting %v",
		n.Name, kc.Name, why, serial, exp.Format(time.DateOnly), kube.RenewUnits(n))
	if err := c.event(tx, n.Name, kc.Name, "cluster.cert-renewed", msg); err != nil {
		return nil, err
	}
	if err := r.save(tx, c.cfg.Keys); err != nil {
		return nil, err
	}
	out := &Renewal{Serial: serial, Restart: kube.RenewUnits(n), Why: why}
	for _, p := range files.Paths() {
		out.Files = append(out.Files, RenewFile{Path: p, Mode: fmt.Sprintf("%04o", files[p].Mode.Perm()), Data: files[p].Data})
	}
	// the serial last: a node that could not write the whole set asks again
	out.Files = append(out.Files, RenewFile{Path: kube.RenewSerialFile, Mode: "0644", Data: fmt.Appendf(nil, "%d\n", serial)})
	return out, nil
}

// member opens machine's cluster as it is declared and checks the machine
// is a node of it that is joining or active.
func (c *Controller) member(tx *store.Tx, name string) (kube.Cluster, kube.Node, *record, error) {
	refused := func(format string, args ...any) (kube.Cluster, kube.Node, *record, error) {
		return kube.Cluster{}, kube.Node{}, nil, fmt.Errorf("%w: machine %s: %s", ErrRefused, name, fmt.Sprintf(format, args...))
	}
	cluster, err := ClusterOf(tx, name)
	if err != nil {
		return refused("%v", err)
	}
	if cluster == "" {
		return refused("not a member of any cluster")
	}
	m, err := tx.GetMachine(name)
	if err != nil {
		return refused("%v", err)
	}
	if s := machine.State(m.State); s != machine.Joining && s != machine.Active {
		return refused("is %s: only a joining or active node renews its certificates", m.State)
	}
	spec, err := clusterSpec(tx, cluster)
	if err != nil {
		return refused("%v", err)
	}
	ms, err := members(tx, cluster, spec)
	if err != nil {
		return refused("%v", err)
	}
	r, err := loadRecord(tx, c.cfg.Keys, cluster, false)
	if err != nil {
		return refused("cluster %s: %v", cluster, err)
	}
	kc, err := shape(cluster, spec, ms, &r.st)
	if err != nil {
		return refused("%v", err)
	}
	n, err := kc.Node(name)
	if err != nil {
		return refused("not a node of cluster %s", cluster)
	}
	return kc, n, r, nil
}

// renewDue says why node n needs a new set now ("" when it does not): it
// holds another set than the last issued (a reboot brought back its
// install's), an operator asked after that set was issued, its certificates
// expire within window (and a new set would outlive them: a leaf never
// outlives its CA), or it is a worker that joined on its install's set (its
// rotated kubelet certificate is lost at the next reboot and its bootstrap
// token is revoked: it gets a kubelet identity of its own).
func (r *record) renewDue(n kube.Node, req RenewRequest, now time.Time, window time.Duration) string {
	last := r.st.Issued[n.Name]
	exp := r.st.Certs["node/"+n.Name]
	caEnd := slices.MinFunc([]time.Time{r.pki.CA.Cert.NotAfter, r.pki.EtcdCA.Cert.NotAfter, r.pki.FrontProxyCA.Cert.NotAfter},
		func(a, b time.Time) int { return a.Compare(b) })
	switch {
	case req.Serial != last.Serial:
		return fmt.Sprintf("the node holds set %d, the last issued is %d (it rebooted)", req.Serial, last.Serial)
	case r.st.RenewRequested.After(last.At):
		return "renewal requested at " + r.st.RenewRequested.Format(time.RFC3339)
	case !exp.IsZero() && exp.Sub(now) < window && exp.Before(caEnd.Add(-time.Hour)):
		return "they expire on " + exp.Format(time.DateOnly)
	case n.Role == kube.RoleWorker && last.Serial == 0 && r.st.Tokens[n.Name].Revoked:
		return "the worker joined: its kubelet gets a client certificate that survives a reboot"
	}
	return ""
}
