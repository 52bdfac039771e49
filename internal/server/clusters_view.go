package server

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/fleet"
	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/store"
)

// ReadClusters returns the declared clusters (name "" for all, else that
// one or ErrNotFound) with their last observed status; the fleets are
// those the inventory declares now. The API and the UI show this.
func ReadClusters(tx *store.Tx, name string) ([]api.Cluster, error) {
	var objs []store.Object
	if name == "" {
		var err error
		if objs, err = tx.ListObjects(string(inventory.KindCluster)); err != nil {
			return nil, fmt.Errorf("list clusters: %w", err)
		}
	} else {
		o, err := tx.GetObject(string(inventory.KindCluster), name)
		if err != nil {
			return nil, err
		}
		objs = append(objs, o)
	}
	out := make([]api.Cluster, 0, len(objs))
	for _, o := range objs {
		cl, err := readCluster(tx, o)
		if err != nil {
			return nil, err
		}
		out = append(out, cl)
	}
	return out, nil
}

func readCluster(tx *store.Tx, o store.Object) (api.Cluster, error) {
	var spec inventory.ClusterSpec
	if err := json.Unmarshal(o.Spec, &spec); err != nil {
		return api.Cluster{}, fmt.Errorf("cluster %s: stored spec: %w", o.Name, err)
	}
	st, err := fleet.StatusOf(tx, o.Name)
	if err != nil {
		return api.Cluster{}, err
	}
	if st.Fleets, err = fleet.FleetsOf(tx, o.Name, spec); err != nil {
		return api.Cluster{}, err
	}
	if st.Version == "" {
		st.Version = spec.KubernetesVersion
	}
	return api.Cluster{Object: toAPIObject(o), Status: toAPIStatus(st)}, nil
}

// toAPIStatus is fleet.Status in the API's types (the same JSON).
func toAPIStatus(st fleet.Status) api.ClusterStatus {
	out := api.ClusterStatus{Phase: st.Phase, Message: st.Message, Since: st.Since, Version: st.Version,
		Endpoint: st.Endpoint, Fleets: st.Fleets, API: api.ClusterAPI(st.API), NodesReady: st.NodesReady,
		NodesTotal: st.NodesTotal, Versions: st.Versions, CertsExpire: st.CertsExpire, Expiring: st.Expiring,
		Heartbeat: st.Heartbeat, CheckedAt: st.CheckedAt}
	for _, n := range st.Nodes {
		out.Nodes = append(out.Nodes, api.ClusterNode(n))
	}
	if st.Stuck != nil {
		s := api.ClusterStuck(*st.Stuck)
		out.Stuck = &s
	}
	return out
}

// ReadFleetView is GET /fleet and the UI's fleet page: the declared
// clusters grouped by the declared fleets they belong to (a cluster may be
// in several); a cluster a fleet lists but nobody declared is shown as
// such; the rest are unassigned.
func ReadFleetView(tx *store.Tx) (api.FleetView, error) {
	clusters, err := ReadClusters(tx, "")
	if err != nil {
		return api.FleetView{}, err
	}
	objs, err := tx.ListObjects(string(inventory.KindFleet))
	if err != nil {
		return api.FleetView{}, fmt.Errorf("list fleets: %w", err)
	}
	view := api.FleetView{Fleets: []api.FleetGroup{}, Unassigned: []api.FleetCluster{}}
	for _, o := range objs {
		var fs inventory.FleetSpec
		if err := json.Unmarshal(o.Spec, &fs); err != nil {
			return api.FleetView{}, fmt.Errorf("fleet %s: stored spec: %w", o.Name, err)
		}
		g := api.FleetGroup{Name: o.Name, Description: fs.Description, Clusters: []api.FleetCluster{}}
		for _, cl := range clusters {
			if slices.Contains(cl.Status.Fleets, o.Name) {
				g.Clusters = append(g.Clusters, fleetCluster(cl))
			}
		}
		for _, n := range fs.Clusters {
			if !slices.ContainsFunc(clusters, func(cl api.Cluster) bool { return cl.Name == n }) {
				g.Clusters = append(g.Clusters, api.FleetCluster{Name: n, Message: "not declared"})
			}
		}
		slices.SortFunc(g.Clusters, func(a, b api.FleetCluster) int { return strings.Compare(a.Name, b.Name) })
		view.Fleets = append(view.Fleets, g)
	}
	for _, cl := range clusters {
		if len(cl.Status.Fleets) == 0 {
			view.Unassigned = append(view.Unassigned, fleetCluster(cl))
		}
	}
	return view, nil
}

func fleetCluster(cl api.Cluster) api.FleetCluster {
	st := cl.Status
	fc := api.FleetCluster{Name: cl.Name, Declared: true, Version: st.Version, Phase: st.Phase, Message: st.Message,
		Since: st.Since, APIReady: st.API.Ready, APIError: st.API.Error, NodesReady: st.NodesReady, NodesTotal: st.NodesTotal,
		Versions: st.Versions, Heartbeat: st.Heartbeat, CertsExpire: st.CertsExpire, Expiring: st.Expiring}
	if st.Stuck != nil {
		fc.Stuck = st.Stuck.Reason
	}
	return fc
}
