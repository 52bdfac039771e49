package fleet

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/slipway-dev/slipway/internal/kube"
	"github.com/slipway-dev/slipway/internal/secret"
	"github.com/slipway-dev/slipway/internal/store"
)

// state is a cluster's non-secret bookkeeping (store.ClusterRecord.State).
type state struct {
	// PodCIDRs is each node's slice of the pod range, kept for the
	// cluster's life.
	PodCIDRs map[string]string `json:"podCIDRs,omitempty"`
	// Tokens is each worker's current bootstrap token (the secret half is
	// sealed in secrets.Tokens).
	Tokens map[string]tokenState `json:"tokens,omitempty"`
	// Revoke lists replaced tokens still to delete from the cluster.
	Revoke []string `json:"revoke,omitempty"`
	// Certs is when each issued set of certificates first expires: a
	// node's bundle ("node/NAME"), a fleet's registration ("fleet/NAME").
	Certs map[string]time.Time `json:"certs,omitempty"`
	// Exports are the registrations written to fleet managers.
	Exports []export `json:"exports,omitempty"`
	// RBAC says the bootstrap RBAC was applied to the running cluster.
	RBAC bool `json:"rbac,omitempty"`
	// Warned is when each expiry warning fired (key as Certs), so it fires once.
	Warned map[string]time.Time `json:"warned,omitempty"`
	// Stuck is the stuck episode already raised as an event (Stuck.key).
	Stuck string `json:"stuck,omitempty"`
	// RenewRequested is when an operator last asked for the nodes'
	// certificates to be renewed (slipway renew cluster).
	RenewRequested time.Time `json:"renewRequested,omitzero"`
	// Issued is the set of certificates each node was last given (renew.go).
	Issued map[string]issued `json:"issued,omitempty"`
}

// tokenState is a worker's bootstrap token as the cluster should see it.
type tokenState struct {
	ID string `json:"id"`
	// Expires is the expiry last written to the cluster's Secret; zero
	// until the cluster's API was first reached.
	Expires   time.Time `json:"expires,omitzero"`
	Published bool      `json:"published,omitempty"`
	Revoked   bool      `json:"revoked,omitempty"`
}

// export is one registration written to a fleet manager.
type export struct {
	Fleet     string    `json:"fleet"`
	Exporter  string    `json:"exporter"` // argocd | clusterapi
	Target    string    `json:"target"`   // the manager's credentials name
	Namespace string    `json:"namespace,omitempty"`
	At        time.Time `json:"at"`
}

// secrets is what a cluster keeps sealed (store.ClusterRecord.Sealed).
type secrets struct {
	PKI    map[string][]byte `json:"pki"`              // kube.ClusterPKI.Files(), path → bytes
	Tokens map[string]string `json:"tokens,omitempty"` // worker → token secret
	// Fleet is each fleet's registration client certificate and key.
	Fleet map[string]keyPair `json:"fleet,omitempty"`
}

type keyPair struct {
	Cert []byte `json:"cert"`
	Key  []byte `json:"key"`
}

// podCIDR returns node's slice of pod, allocating the lowest free one.
func (st *state) podCIDR(node string, pod netip.Prefix) (netip.Prefix, error) {
	if s, ok := st.PodCIDRs[node]; ok {
		return netip.ParsePrefix(s)
	}
	taken := map[netip.Prefix]bool{}
	for _, s := range st.PodCIDRs {
		if p, err := netip.ParsePrefix(s); err == nil {
			taken[p] = true
		}
	}
	if pod.Bits() > nodePodBits {
		return netip.Prefix{}, fmt.Errorf("pod range %s is smaller than one node's /%d", pod, nodePodBits)
	}
	for p := netip.PrefixFrom(pod.Addr(), nodePodBits); pod.Contains(p.Addr()); p = nextPrefix(p) {
		if !taken[p] {
			if st.PodCIDRs == nil {
				st.PodCIDRs = map[string]string{}
			}
			st.PodCIDRs[node] = p.String()
			return p, nil
		}
	}
	return netip.Prefix{}, fmt.Errorf("pod range %s is full (%d nodes)", pod, len(taken))
}

// nextPrefix is the prefix of the same length right after p.
func nextPrefix(p netip.Prefix) netip.Prefix {
	a := p.Addr().As4()
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	v += 1 << (32 - p.Bits())
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), p.Bits())
}

// record is a cluster's record opened: its state, secrets and PKI.
type record struct {
	name    string
	st      state
	sec     secrets
	pki     *kube.ClusterPKI
	status  Status
	created bool
}

// aad binds a sealed cluster record to its cluster.
func aad(name string) []byte { return []byte("cluster/" + name) }

// loadRecord opens cluster name's record; with create, a missing record is
// made with a new PKI (not yet stored).
func loadRecord(tx *store.Tx, keys *secret.Keyring, name string, create bool) (*record, error) {
	rec, err := tx.GetClusterRecord(name)
	if errors.Is(err, store.ErrNotFound) && create {
		p, err := kube.NewClusterPKI(tx.Now())
		if err != nil {
			return nil, fmt.Errorf("cluster %s: %w", name, err)
		}
		files, err := p.Files()
		if err != nil {
			return nil, fmt.Errorf("cluster %s: %w", name, err)
		}
		r := &record{name: name, pki: p, created: true, sec: secrets{PKI: map[string][]byte{}}}
		for path, f := range files {
			r.sec.PKI[path] = f.Data
		}
		return r, nil
	}
	if err != nil {
		return nil, err
	}
	return openRecord(keys, rec)
}

func openRecord(keys *secret.Keyring, rec store.ClusterRecord) (*record, error) {
	r := &record{name: rec.Name}
	if err := json.Unmarshal(rec.State, &r.st); err != nil {
		return nil, fmt.Errorf("cluster %s: stored state: %w", rec.Name, err)
	}
	if err := json.Unmarshal(rec.Status, &r.status); err != nil {
		return nil, fmt.Errorf("cluster %s: stored status: %w", rec.Name, err)
	}
	plain, err := keys.Open(rec.Sealed, aad(rec.Name))
	if err != nil {
		return nil, fmt.Errorf("cluster %s: secrets: %w", rec.Name, err)
	}
	if err := json.Unmarshal(plain, &r.sec); err != nil {
		return nil, fmt.Errorf("cluster %s: secrets: %w", rec.Name, err)
	}
	files := kube.FileSet{}
	for path, data := range r.sec.PKI {
		files[path] = kube.File{Data: data}
	}
	if r.pki, err = kube.LoadClusterPKI(files); err != nil {
		return nil, fmt.Errorf("cluster %s: %w", rec.Name, err)
	}
	return r, nil
}

// save seals and stores the record.
func (r *record) save(tx *store.Tx, keys *secret.Keyring) error {
	plain, err := json.Marshal(r.sec)
	if err != nil {
		return err
	}
	sealed, err := keys.Seal(plain, aad(r.name))
	if err != nil {
		return fmt.Errorf("cluster %s: seal: %w", r.name, err)
	}
	st, err := json.Marshal(r.st)
	if err != nil {
		return err
	}
	status, err := json.Marshal(r.status)
	if err != nil {
		return err
	}
	return tx.PutClusterRecord(&store.ClusterRecord{Name: r.name, Sealed: sealed, State: st, Status: status})
}
