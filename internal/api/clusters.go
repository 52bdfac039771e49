package api

import "time"

// Cluster is a declared Kubernetes cluster with its last observed status
// (GET /clusters and /clusters/{name}).
type Cluster struct {
	Object
	Status ClusterStatus `json:"status"`
}

// ClusterStatus is a cluster's observed health (GET
// /clusters/{name}/status), as the cluster controller records it; Phase is
// pending until the controller first looked at the cluster.
type ClusterStatus struct {
	Phase      string        `json:"phase"`
	Message    string        `json:"message,omitempty"`
	Since      time.Time     `json:"since,omitzero"` // when Phase began
	Version    string        `json:"version,omitempty"`
	Endpoint   string        `json:"endpoint,omitempty"`
	Fleets     []string      `json:"fleets,omitempty"`
	API        ClusterAPI    `json:"api"`
	NodesReady int           `json:"nodesReady"`
	NodesTotal int           `json:"nodesTotal"`
	Nodes      []ClusterNode `json:"nodes,omitempty"`
	// Versions are the kubelet versions the Nodes report.
	Versions []string `json:"versions,omitempty"`
	// CertsExpire is when the cluster's first certificate expires;
	// Expiring lists those within the warning window.
	CertsExpire time.Time `json:"certsExpire,omitzero"`
	Expiring    []string  `json:"expiring,omitempty"`
	// Heartbeat is the last time the cluster's API answered.
	Heartbeat time.Time     `json:"heartbeat,omitzero"`
	Stuck     *ClusterStuck `json:"stuck,omitempty"`
	CheckedAt time.Time     `json:"checkedAt,omitzero"`
}

// ClusterAPI is the last readiness probe of the cluster's API endpoint.
type ClusterAPI struct {
	Ready bool   `json:"ready"`
	Error string `json:"error,omitempty"`
}

// ClusterNode is one declared node of a cluster.
type ClusterNode struct {
	Name       string `json:"name"`
	Role       string `json:"role"`
	Machine    string `json:"machine"` // the machine's lifecycle state
	Registered bool   `json:"registered"`
	Ready      bool   `json:"ready"`
	Version    string `json:"version,omitempty"`
	PodCIDR    string `json:"podCIDR,omitempty"`
}

// ClusterStuck names the phase that makes no progress, the machine it
// waits for and why.
type ClusterStuck struct {
	Phase   string    `json:"phase"`
	Machine string    `json:"machine,omitempty"`
	Reason  string    `json:"reason"`
	Since   time.Time `json:"since"`
}

// KubeconfigRequest is POST /clusters/{name}/kubeconfig (admin). TTL is a Go
// duration, 1h when empty, at most 24h.
type KubeconfigRequest struct {
	TTL string `json:"ttl,omitempty"`
}

// KubeconfigResponse carries a short-lived cluster-admin kubeconfig.
type KubeconfigResponse struct {
	Kubeconfig string    `json:"kubeconfig"`
	ExpiresAt  time.Time `json:"expiresAt"`
}

// FleetView is GET /fleet: every declared fleet with the health of its
// clusters, then the clusters in no fleet.
type FleetView struct {
	Fleets     []FleetGroup   `json:"fleets"`
	Unassigned []FleetCluster `json:"unassigned"`
}

// FleetGroup is one fleet and its clusters, by name.
type FleetGroup struct {
	Name        string         `json:"name"`
	Description string         `json:"description,omitempty"`
	Clusters    []FleetCluster `json:"clusters"`
}

// FleetCluster is one cluster's health in the fleet view. Declared is
// false for a cluster a fleet lists that is not declared.
type FleetCluster struct {
	Name        string    `json:"name"`
	Declared    bool      `json:"declared"`
	Version     string    `json:"version,omitempty"`
	Phase       string    `json:"phase,omitempty"`
	Message     string    `json:"message,omitempty"`
	Since       time.Time `json:"since,omitzero"`
	APIReady    bool      `json:"apiReady"`
	APIError    string    `json:"apiError,omitempty"`
	NodesReady  int       `json:"nodesReady"`
	NodesTotal  int       `json:"nodesTotal"`
	Versions    []string  `json:"versions,omitempty"`
	Heartbeat   time.Time `json:"heartbeat,omitzero"`
	CertsExpire time.Time `json:"certsExpire,omitzero"`
	Expiring    []string  `json:"expiring,omitempty"`
	Stuck       string    `json:"stuck,omitempty"` // the stuck reason
}
