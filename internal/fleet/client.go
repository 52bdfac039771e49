package fleet

import (
	"fmt"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// clusterClient is the appliance's client of one cluster, with the
// certificate it was built from (kept in memory only).
type clusterClient struct {
	cs       kubernetes.Interface
	endpoint string
	renewAt  time.Time
}

// client returns the appliance's client for v's cluster, issuing a new
// short-lived certificate at half its life or when the endpoint moved.
func (c *Controller) client(v *view) (kubernetes.Interface, error) {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if cc, ok := c.clients[v.name]; ok && cc.endpoint == v.cluster.Endpoint && now.Before(cc.renewAt) {
		return cc.cs, nil
	}
	data, err := v.rec.pki.ApplianceKubeconfig(v.cluster, applianceCertTTL, now)
	if err != nil {
		return nil, err
	}
	cfg, err := clientcmd.RESTConfigFromKubeConfig(data)
	if err != nil {
		return nil, fmt.Errorf("appliance kubeconfig: %w", err)
	}
	cfg.Timeout, cfg.QPS, cfg.Burst = 15*time.Second, 20, 40
	cfg.UserAgent = "slipway"
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	c.clients[v.name] = &clusterClient{cs: cs, endpoint: v.cluster.Endpoint, renewAt: now.Add(applianceCertTTL / 2)}
	return cs, nil
}

func (c *Controller) dropClient(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.clients, name)
}
