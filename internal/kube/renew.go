package kube

import (
	"fmt"
	"time"
)

// Where a node keeps what renews its certificates (slipway-renew.service
// runs RenewScript): the token and the appliance's CA and API URL come with
// the machine's seed, the serial with each renewed set.
const (
	RenewScript     = "/usr/local/lib/slipway/renew"
	RenewTokenFile  = "/etc/slipway/renew.token"
	RenewCAFile     = "/etc/slipway/appliance-ca.crt"
	RenewURLFile    = "/etc/slipway/renew.url"
	RenewSerialFile = "/etc/slipway/renew.serial"
	// RenewAPIPath is the appliance's route the script posts to.
	RenewAPIPath = "/api/v1/agent/renew"
)

// renewPaths is what the renewal templates name.
type renewPaths struct {
	Script, TokenFile, CAFile, URLFile, SerialFile, APIPath string
}

var renewData = renewPaths{Script: RenewScript, TokenFile: RenewTokenFile, CAFile: RenewCAFile,
	URLFile: RenewURLFile, SerialFile: RenewSerialFile, APIPath: RenewAPIPath}

// NodeCerts re-issues, at now, the certificates and kubeconfigs of node
// nodeName that expire (what renewal sends): on every node ca.crt, the
// kube-proxy kubeconfig and the kubelet's client identity (kubelet.conf and
// KubeletClientFile: a worker's rotated certificate lives on the tmpfs
// overlay and its bootstrap token is gone once it joined); on a control-plane
// node also its serving and client certificates, the other CA certificates
// and the admin, super-admin, controller-manager and scheduler kubeconfigs.
// It never carries a CA or service-account key, nor a bootstrap token: the
// install's seed has those that a node keeps.
func (p *ClusterPKI) NodeCerts(c Cluster, nodeName string, now time.Time) (FileSet, error) {
	fs, kc, err := p.everyNode(c, nodeName, now)
	if err != nil {
		return nil, err
	}
	n := kc.n
	if n.Role == RoleWorker {
		if err := kc.kubelet(fs); err != nil {
			return nil, fmt.Errorf("node %s: %w", n.Name, err)
		}
		return fs, nil
	}
	fs.add(PKIDir+"/front-proxy-ca.crt", certPEM(p.FrontProxyCA.Cert), modePublic)
	fs.add(PKIDir+"/etcd/ca.crt", certPEM(p.EtcdCA.Cert), modePublic)
	if err := p.controlPlaneCerts(fs, kc); err != nil {
		return nil, fmt.Errorf("node %s: %w", n.Name, err)
	}
	return fs, nil
}

// RenewUnits are the units to restart once node n has its renewed files
// (each reads its certificates only when it starts).
func RenewUnits(n Node) []string {
	if n.Role == RoleWorker {
		return []string{"kubelet.service", "kube-proxy.service"}
	}
	return []string{"etcd.service", "kube-apiserver.service", "kube-controller-manager.service",
		"kube-scheduler.service", "kubelet.service", "kube-proxy.service"}
}
