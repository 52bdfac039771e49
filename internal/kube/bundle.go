package kube

import (
	"fmt"
	"time"
)

// NodeBundle is everything node nodeName of cluster c gets from the
// appliance: its certificates and kubeconfigs (NodeFiles, with token for a
// worker) and its units and configuration files (RenderNode). Each call
// issues fresh certificates: the appliance renders a node's bundle once per
// install and keeps it (encrypted) to deliver over that machine's agent
// session or seed. Units(node) lists the units to enable, in order.
func (p *ClusterPKI) NodeBundle(c Cluster, nodeName string, token BootstrapToken, now time.Time) (FileSet, error) {
	secrets, err := p.NodeFiles(c, nodeName, token, now)
	if err != nil {
		return nil, err
	}
	rendered, err := RenderNode(c, nodeName)
	if err != nil {
		return nil, err
	}
	if err := secrets.Merge(rendered); err != nil {
		return nil, fmt.Errorf("node %s: %w", nodeName, err)
	}
	return secrets, nil
}
