package fleet

import "time"

// Cluster phases, in the order a new cluster goes through them.
const (
	PhasePending      = "pending"      // no member machine is being provisioned
	PhaseProvisioning = "provisioning" // members are installing or booting; the control plane has not phoned home
	PhaseStarting     = "starting"     // a control-plane machine phoned home; the API is not ready yet
	PhaseJoining      = "joining"      // the API is ready; not every node is Ready
	PhaseReady        = "ready"        // the API is ready and every node is Ready
	PhaseDegraded     = "degraded"     // was ready; a node is not Ready or the API stopped answering
	PhaseStuck        = "stuck"        // a phase has made no progress for too long (Stuck says which and why)
	PhaseRefused      = "refused"      // the declaration cannot be built (Message says why)
)

// Status is a cluster's observed health: what `slipway get clusters`, the
// fleet view and the UI show.
type Status struct {
	Phase    string    `json:"phase"`
	Message  string    `json:"message,omitempty"`
	Since    time.Time `json:"since,omitzero"` // when Phase began
	Version  string    `json:"version,omitempty"`
	Endpoint string    `json:"endpoint,omitempty"`
	Fleets   []string  `json:"fleets,omitempty"`
	API      APIStatus `json:"api"`
	// NodesReady of NodesTotal declared nodes have a Ready Node.
	NodesReady int          `json:"nodesReady"`
	NodesTotal int          `json:"nodesTotal"`
	Nodes      []NodeStatus `json:"nodes,omitempty"`
	// Versions are the kubelet versions the Nodes report.
	Versions []string `json:"versions,omitempty"`
	// CertsExpire is when the first certificate the appliance issued
	// for the cluster expires; Expiring lists those within the warning window.
	CertsExpire time.Time `json:"certsExpire,omitzero"`
	Expiring    []string  `json:"expiring,omitempty"`
	// Heartbeat is the last time the cluster's API answered.
	Heartbeat time.Time `json:"heartbeat,omitzero"`
	Stuck     *Stuck    `json:"stuck,omitempty"`
	CheckedAt time.Time `json:"checkedAt,omitzero"`
}

// APIStatus is the last /readyz probe of the cluster's endpoint.
type APIStatus struct {
	Ready bool   `json:"ready"`
	Error string `json:"error,omitempty"`
}

// NodeStatus is one declared node.
type NodeStatus struct {
	Name    string `json:"name"`
	Role    string `json:"role"`
	Machine string `json:"machine"` // the machine's lifecycle state
	// Registered says a Node object exists; Ready its Ready condition.
	Registered bool   `json:"registered"`
	Ready      bool   `json:"ready"`
	Version    string `json:"version,omitempty"`
	PodCIDR    string `json:"podCIDR,omitempty"`
}

// Stuck names the phase that makes no progress, the machine it waits for
// and why.
type Stuck struct {
	Phase   string    `json:"phase"`
	Machine string    `json:"machine,omitempty"`
	Reason  string    `json:"reason"`
	Since   time.Time `json:"since"`
}

// key names one stuck episode (phase, machine, since when): the reason
// carries an age that grows on every reconcile, so it cannot say whether
// the event was raised already.
func (s *Stuck) key() string {
	return s.Phase + "/" + s.Machine + "/" + s.Since.UTC().Format(time.RFC3339Nano)
}
