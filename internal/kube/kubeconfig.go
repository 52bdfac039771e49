package kube

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"text/template"
	"time"
)

// kubeconfigData is what one kubeconfig says: a cluster (server and CA),
// one user (a client certificate or a token) and the context joining them.
type kubeconfigData struct {
	Cluster, Server, User string
	CA, Cert, Key         []byte
	Token                 string
	CertFile              string // client certificate and key in this file instead of inline
}

var kubeconfigTmpl = template.Must(template.New("kubeconfig").Funcs(template.FuncMap{
	"b64": func(b []byte) string { return base64.StdEncoding.EncodeToString(b) },
	// q quotes a string as JSON, which YAML reads as a double-quoted scalar.
	"q": func(s string) string { b, _ := json.Marshal(s); return string(b) },
}).Parse(`apiVersion: v1
kind: Config
clusters:
- name: {{q .Cluster}}
  cluster:
    server: {{q (print "https://" .Server)}}
    certificate-authority-data: {{b64 .CA}}
users:
- name: {{q .User}}
  user:
{{- if .Token}}
    token: {{q .Token}}
{{- else if .CertFile}}
    client-certificate: {{q .CertFile}}
    client-key: {{q .CertFile}}
{{- else}}
    client-certificate-data: {{b64 .Cert}}
    client-key-data: {{b64 .Key}}
{{- end}}
contexts:
- name: {{q (print .User "@" .Cluster)}}
  context:
    cluster: {{q .Cluster}}
    user: {{q .User}}
current-context: {{q (print .User "@" .Cluster)}}
preferences: {}
`))

func renderKubeconfig(d kubeconfigData) []byte {
	var b bytes.Buffer
	if err := kubeconfigTmpl.Execute(&b, d); err != nil {
		panic(fmt.Sprintf("kubeconfig template: %v", err)) // a bug: the template and its data are ours
	}
	return b.Bytes()
}

// kubeconfigs issues the kubeconfigs of one node.
type kubeconfigs struct {
	pki *ClusterPKI
	c   Cluster
	n   Node
	now time.Time
}

// client issues a client certificate for spec and adds KubeDir/name, a
// kubeconfig naming server.
func (k kubeconfigs) client(fs FileSet, name, server string, spec certSpec) error {
	data, err := k.pki.clientKubeconfig(k.c.Name, server, spec, k.now)
	if err != nil {
		return fmt.Errorf("%s/%s: %w", KubeDir, name, err)
	}
	fs.add(KubeDir+"/"+name, data, modePrivate)
	return nil
}

// KubeletClientFile is where kubelet keeps its current client certificate
// and key (it rotates them there).
const KubeletClientFile = "/var/lib/kubelet/pki/kubelet-client-current.pem"

// kubelet issues a control-plane node's kubelet identity directly (no
// bootstrap): the certificate and key in KubeletClientFile and a
// kubelet.conf naming that file, as kubeadm leaves them.
func (k kubeconfigs) kubelet(fs FileSet) error {
	spec := certSpec{cn: "system:node:" + k.n.Name, orgs: []string{groupNodes}, usages: clientAuth}
	cert, key, err := k.pki.CA.issue(spec, k.now)
	if err != nil {
		return fmt.Errorf("%s: %w", KubeletClientFile, err)
	}
	kp, err := keyPEM(key)
	if err != nil {
		return fmt.Errorf("%s: %w", KubeletClientFile, err)
	}
	fs.add(KubeletClientFile, append(certPEM(cert), kp...), modePrivate)
	fs.add(KubeDir+"/kubelet.conf", renderKubeconfig(kubeconfigData{Cluster: k.c.Name, Server: k.c.Endpoint,
		User: spec.cn, CA: certPEM(k.pki.CA.Cert), CertFile: KubeletClientFile}), modePrivate)
	return nil
}

// token renders the kubelet's bootstrap kubeconfig.
func (k kubeconfigs) token(t BootstrapToken) []byte {
	return renderKubeconfig(kubeconfigData{Cluster: k.c.Name, Server: k.c.Endpoint, User: "tls-bootstrap-token-user",
		CA: certPEM(k.pki.CA.Cert), Token: t.Value()})
}

func (p *ClusterPKI) clientKubeconfig(cluster, server string, spec certSpec, now time.Time) ([]byte, error) {
	cert, key, err := p.CA.issue(spec, now)
	if err != nil {
		return nil, err
	}
	kp, err := keyPEM(key)
	if err != nil {
		return nil, err
	}
	return renderKubeconfig(kubeconfigData{Cluster: cluster, Server: server, User: spec.cn,
		CA: certPEM(p.CA.Cert), Cert: certPEM(cert), Key: kp}), nil
}

// AdminKubeconfig issues a kubeconfig for user, in the cluster-admins group
// (which the cluster binds to cluster-admin), valid for ttl from now and
// pointing at the cluster's stable endpoint: what `slipway kubeconfig
// cluster NAME` hands out.
func (p *ClusterPKI) AdminKubeconfig(c Cluster, user string, ttl time.Duration, now time.Time) ([]byte, error) {
	if user == "" || strings.HasPrefix(user, "system:") {
		return nil, fmt.Errorf("admin kubeconfig: user %q: want a non-empty name outside the system: prefix", user)
	}
	if ttl <= 0 || ttl > CertValidity {
		return nil, fmt.Errorf("admin kubeconfig: ttl %v: want between 0 and %v", ttl, CertValidity)
	}
	spec := certSpec{cn: user, orgs: []string{groupClusterAdmins}, usages: clientAuth, validity: ttl}
	data, err := p.clientKubeconfig(c.Name, c.Endpoint, spec, now)
	if err != nil {
		return nil, fmt.Errorf("admin kubeconfig for %s: %w", user, err)
	}
	return data, nil
}
