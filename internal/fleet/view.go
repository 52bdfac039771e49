package fleet

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/store"
)

// Read-only helpers for the API, the CLI's views and the UI: they read what
// the controller recorded and the declared fleets, and never write.

// Pending is the status of a declared cluster the controller has not
// recorded yet.
func Pending() Status { return Status{Phase: PhasePending} }

// StatusOf returns the last observed status of cluster name; a cluster
// without a record (or with an empty one) is pending, with its declared
// nodes when they can be listed.
func StatusOf(tx *store.Tx, name string) (Status, error) {
	rec, err := tx.GetClusterRecord(name)
	if errors.Is(err, store.ErrNotFound) {
		return pendingOf(tx, name), nil
	}
	if err != nil {
		return Status{}, err
	}
	var st Status
	if err := json.Unmarshal(rec.Status, &st); err != nil {
		return Status{}, fmt.Errorf("cluster %s: stored status: %w", name, err)
	}
	if st.Phase == "" {
		st = pendingOf(tx, name)
	}
	return st, nil
}

// pendingOf is the status of a cluster the controller has not looked at:
// its declared members, none registered.
func pendingOf(tx *store.Tx, name string) Status {
	st := Pending()
	spec, err := clusterSpec(tx, name)
	if err != nil {
		return st
	}
	ms, err := members(tx, name, spec)
	if err != nil {
		return st
	}
	for _, m := range ms {
		st.Nodes = append(st.Nodes, NodeStatus{Name: m.Name, Role: string(m.Role), Machine: m.State})
	}
	st.NodesTotal = len(ms)
	return st
}

// FleetsOf returns the names of the declared fleets cluster belongs to (its
// spec.fleet and every Fleet listing it), as the controller decides them.
func FleetsOf(tx *store.Tx, cluster string, spec inventory.ClusterSpec) ([]string, error) {
	refs, err := fleetsOf(tx, cluster, spec)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(refs))
	for _, f := range refs {
		names = append(names, f.name)
	}
	return names, nil
}
