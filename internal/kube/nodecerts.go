package kube

import (
	"crypto/x509"
	"fmt"
	"net"
	"time"
)

// Identities of the control plane's components (the users RBAC knows).
const (
	groupMasters       = "system:masters"
	groupClusterAdmins = "kubeadm:cluster-admins"
	groupNodes         = "system:nodes"
	userControllerMgr  = "system:kube-controller-manager"
	userScheduler      = "system:kube-scheduler"
	userKubeProxy      = "system:kube-proxy"
	userAdmin          = "kubernetes-admin"
	userSuperAdmin     = "kubernetes-super-admin"
	APIServerPort      = 6443
	apiserverKubeletCN = "kube-apiserver-kubelet-client"
	apiserverEtcdCN    = "kube-apiserver-etcd-client"
	frontProxyClientCN = "front-proxy-client"
	etcdHealthcheckCN  = "kube-etcd-healthcheck-client"
)

var (
	serverAuth = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	clientAuth = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	bothAuth   = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
)

// leaf is one certificate of a node: where it goes, who signs it, what it says.
type leaf struct {
	base string // path without .crt/.key
	ca   *CA
	spec certSpec
}

// apiserverSpec is the serving certificate's names, as kubeadm sets them:
// the node name, kubernetes.default.svc.DOMAIN and shorter forms, the
// kubernetes Service IP, the node IP, and the stable endpoint's host.
func apiserverSpec(c Cluster, n Node) certSpec {
	dns := []string{n.Name, "kubernetes", "kubernetes.default", "kubernetes.default.svc",
		"kubernetes.default.svc." + c.DNSDomain}
	ips := []net.IP{net.IP(c.APIServiceIP().AsSlice()), net.IP(n.IP.AsSlice())}
	host, _, _ := splitEndpoint(c.Endpoint)
	if ip := net.ParseIP(host); ip != nil {
		if !ip.Equal(ips[1]) {
			ips = append(ips, ip)
		}
	} else {
		dns = append(dns, host)
	}
	return certSpec{cn: "kube-apiserver", usages: serverAuth, dns: dns, ips: ips}
}

// etcdSpec is etcd's server or peer certificate: CN the node name, names
// the node name and localhost, addresses the node IP and loopback.
func etcdSpec(n Node) certSpec {
	return certSpec{cn: n.Name, usages: bothAuth, dns: []string{n.Name, "localhost"},
		ips: []net.IP{net.IP(n.IP.AsSlice()), net.IPv4(127, 0, 0, 1).To4(), net.IPv6loopback}}
}

// controlPlaneLeaves are the certificates kubeadm puts in /etc/kubernetes/pki.
func (p *ClusterPKI) controlPlaneLeaves(c Cluster, n Node) []leaf {
	return []leaf{
		{PKIDir + "/apiserver", &p.CA, apiserverSpec(c, n)},
		{PKIDir + "/apiserver-kubelet-client", &p.CA, certSpec{cn: apiserverKubeletCN, usages: clientAuth}},
		{PKIDir + "/apiserver-etcd-client", &p.EtcdCA, certSpec{cn: apiserverEtcdCN, usages: clientAuth}},
		{PKIDir + "/front-proxy-client", &p.FrontProxyCA, certSpec{cn: frontProxyClientCN, usages: clientAuth}},
		{PKIDir + "/etcd/server", &p.EtcdCA, etcdSpec(n)},
		{PKIDir + "/etcd/peer", &p.EtcdCA, etcdSpec(n)},
		{PKIDir + "/etcd/healthcheck-client", &p.EtcdCA, certSpec{cn: etcdHealthcheckCN, usages: clientAuth}},
	}
}

// NodeFiles issues everything node n of cluster c needs, at now:
//   - every node: ca.crt and a kube-proxy kubeconfig (kube-proxy.conf);
//   - a control-plane node: the CA certificates, ca.key (the controller
//     manager signs kubelet CSRs with it), sa.key/sa.pub, its serving and
//     client certificates, and admin, super-admin, controller-manager,
//     scheduler and kubelet kubeconfigs (its kubelet gets a client
//     certificate directly: it cannot bootstrap against an API it hosts
//     before that API is up);
//   - a worker: bootstrap-kubelet.conf carrying token (kubelet TLS bootstrap).
func (p *ClusterPKI) NodeFiles(c Cluster, nodeName string, token BootstrapToken, now time.Time) (FileSet, error) {
	fs, kc, err := p.everyNode(c, nodeName, now)
	if err != nil {
		return nil, err
	}
	n := kc.n
	if n.Role == RoleWorker {
		if err := token.Validate(now); err != nil {
			return nil, fmt.Errorf("node %s: bootstrap token: %w", n.Name, err)
		}
		fs.add(KubeDir+"/bootstrap-kubelet.conf", kc.token(token), modePrivate)
		return fs, nil
	}
	if err := p.controlPlaneFiles(fs, kc); err != nil {
		return nil, fmt.Errorf("node %s: %w", n.Name, err)
	}
	return fs, nil
}

func (p *ClusterPKI) controlPlaneFiles(fs FileSet, kc kubeconfigs) error {
	all, err := p.Files()
	if err != nil {
		return err
	}
	for _, path := range []string{PKIDir + "/ca.key", PKIDir + "/front-proxy-ca.crt", PKIDir + "/etcd/ca.crt",
		PKIDir + "/sa.key", PKIDir + "/sa.pub"} {
		fs[path] = all[path]
	}
	return p.controlPlaneCerts(fs, kc)
}

// controlPlaneCerts issues a control-plane node's serving and client
// certificates and its kubeconfigs (kubelet's included).
func (p *ClusterPKI) controlPlaneCerts(fs FileSet, kc kubeconfigs) error {
	for _, l := range p.controlPlaneLeaves(kc.c, kc.n) {
		cert, key, err := l.ca.issue(l.spec, kc.now)
		if err != nil {
			return fmt.Errorf("%s: %w", l.base, err)
		}
		kp, err := keyPEM(key)
		if err != nil {
			return fmt.Errorf("%s: %w", l.base, err)
		}
		fs.add(l.base+".crt", certPEM(cert), modePublic)
		fs.add(l.base+".key", kp, modePrivate)
	}
	local := fmt.Sprintf("%s:%d", kc.n.IP, APIServerPort)
	for _, k := range []struct {
		name, server string
		spec         certSpec
	}{
		{"admin.conf", kc.c.Endpoint, certSpec{cn: userAdmin, orgs: []string{groupClusterAdmins}, usages: clientAuth}},
		{"super-admin.conf", kc.c.Endpoint, certSpec{cn: userSuperAdmin, orgs: []string{groupMasters}, usages: clientAuth}},
		{"controller-manager.conf", local, certSpec{cn: userControllerMgr, usages: clientAuth}},
		{"scheduler.conf", local, certSpec{cn: userScheduler, usages: clientAuth}},
	} {
		if err := kc.client(fs, k.name, k.server, k.spec); err != nil {
			return err
		}
	}
	return kc.kubelet(fs)
}

// everyNode starts the files of node nodeName of c with what every node
// has (the cluster CA's certificate and kube-proxy's kubeconfig), for
// NodeFiles (the install) and NodeCerts (a renewal).
func (p *ClusterPKI) everyNode(c Cluster, nodeName string, now time.Time) (FileSet, kubeconfigs, error) {
	if err := c.Validate(); err != nil {
		return nil, kubeconfigs{}, err
	}
	n, err := c.Node(nodeName)
	if err != nil {
		return nil, kubeconfigs{}, err
	}
	fs := FileSet{}
	fs.add(PKIDir+"/ca.crt", certPEM(p.CA.Cert), modePublic)
	kc := kubeconfigs{pki: p, c: c, n: n, now: now}
	if err := kc.client(fs, "kube-proxy.conf", c.Endpoint, certSpec{cn: userKubeProxy, usages: clientAuth}); err != nil {
		return nil, kubeconfigs{}, err
	}
	return fs, kc, nil
}
