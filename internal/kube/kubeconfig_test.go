package kube

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/client-go/tools/clientcmd"
)

func TestKubeconfigGolden(t *testing.T) {
	ca, cert, key := []byte("CA PEM\n"), []byte("CERT PEM\n"), []byte("KEY PEM\n")
	golden(t, "kubeconfig/client.conf", renderKubeconfig(kubeconfigData{Cluster: "edge-1", Server: "198.18.0.10:6443",
		User: "kubernetes-admin", CA: ca, Cert: cert, Key: key}))
	golden(t, "kubeconfig/token.conf", renderKubeconfig(kubeconfigData{Cluster: "edge-1", Server: "198.18.0.10:6443",
		User: "tls-bootstrap-token-user", CA: ca, Token: "abcdef.0123456789abcdef"}))
	golden(t, "kubeconfig/file.conf", renderKubeconfig(kubeconfigData{Cluster: "edge-1", Server: "198.18.0.10:6443",
		User: "system:node:r1-u05", CA: ca, CertFile: KubeletClientFile}))
}

func TestNodeFilesLayout(t *testing.T) {
	p, tok := testPKI(t), testToken(t)
	cp, err := p.NodeFiles(oneCP(), "r1-u05", tok, testNow)
	require.NoError(t, err)
	golden(t, "layout/control-plane.txt", []byte(layout(cp)))
	w, err := p.NodeFiles(oneCP(), "r1-u06", tok, testNow)
	require.NoError(t, err)
	golden(t, "layout/worker.txt", []byte(layout(w)))
	assert.NotContains(t, w, PKIDir+"/ca.key", "a worker never gets a CA key")
	assert.NotContains(t, cp, PKIDir+"/etcd/ca.key", "nothing on a node signs etcd certificates")
	assert.NotContains(t, cp, PKIDir+"/front-proxy-ca.key")
}

func layout(fs FileSet) string {
	var s string
	for _, p := range fs.Paths() {
		s += fs[p].Mode.String() + " " + p + "\n"
	}
	return s
}

// TestKubeconfigsParse loads every issued kubeconfig with client-go and
// checks its server, its CA and its user's certificate.
func TestKubeconfigsParse(t *testing.T) {
	p, tok := testPKI(t), testToken(t)
	c := oneCP()
	cp, err := p.NodeFiles(c, "r1-u05", tok, testNow)
	require.NoError(t, err)
	w, err := p.NodeFiles(c, "r1-u06", tok, testNow)
	require.NoError(t, err)
	tests := []struct {
		fs      FileSet
		name    string
		server  string
		user    string
		groups  []string
		isToken bool
	}{
		{cp, "admin.conf", "https://198.18.0.10:6443", "kubernetes-admin", []string{"kubeadm:cluster-admins"}, false},
		{cp, "super-admin.conf", "https://198.18.0.10:6443", "kubernetes-super-admin", []string{"system:masters"}, false},
		{cp, "controller-manager.conf", "https://198.18.0.10:6443", "system:kube-controller-manager", nil, false},
		{cp, "scheduler.conf", "https://198.18.0.10:6443", "system:kube-scheduler", nil, false},
		{cp, "kube-proxy.conf", "https://198.18.0.10:6443", "system:kube-proxy", nil, false},
		{cp, "kubelet.conf", "https://198.18.0.10:6443", "system:node:r1-u05", []string{"system:nodes"}, false},
		{w, "kube-proxy.conf", "https://198.18.0.10:6443", "system:kube-proxy", nil, false},
		{w, "bootstrap-kubelet.conf", "https://198.18.0.10:6443", "", nil, true},
	}
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "kubelet-client-current.pem"), cp[KubeletClientFile].Data, 0o600))
	for _, tt := range tests {
		t.Run(tt.user+"/"+tt.name, func(t *testing.T) {
			f := tt.fs[KubeDir+"/"+tt.name]
			assert.Equal(t, modePrivate, f.Mode)
			data := f.Data
			if tt.name == "kubelet.conf" { // its certificate is a file: point it at our copy
				data = []byte(strings.ReplaceAll(string(data), KubeletClientFile, filepath.Join(dir, "kubelet-client-current.pem")))
			}
			cfg, err := clientcmd.RESTConfigFromKubeConfig(data)
			require.NoError(t, err)
			assert.Equal(t, tt.server, cfg.Host)
			caCert, err := parseCertPEM(cfg.CAData)
			require.NoError(t, err)
			assert.True(t, caCert.Equal(p.CA.Cert))
			if tt.isToken {
				assert.Equal(t, tok.Value(), cfg.BearerToken)
				return
			}
			certData := cfg.CertData
			if certData == nil {
				certData, err = os.ReadFile(cfg.CertFile)
				require.NoError(t, err)
			}
			cert, err := parseCertPEM(certData)
			require.NoError(t, err)
			assert.Equal(t, tt.user, cert.Subject.CommonName)
			assert.Equal(t, tt.groups, cert.Subject.Organization)
			verify(t, cert, &p.CA, x509.ExtKeyUsageClientAuth)
		})
	}
}

func TestAdminKubeconfig(t *testing.T) {
	p := testPKI(t)
	data, err := p.AdminKubeconfig(oneCP(), "alice", 8*time.Hour, testNow)
	require.NoError(t, err)
	cfg, err := clientcmd.RESTConfigFromKubeConfig(data)
	require.NoError(t, err)
	cert, err := parseCertPEM(cfg.CertData)
	require.NoError(t, err)
	assert.Equal(t, "alice", cert.Subject.CommonName)
	assert.Equal(t, []string{"kubeadm:cluster-admins"}, cert.Subject.Organization)
	assert.Equal(t, testNow.Add(8*time.Hour), cert.NotAfter)
	for _, bad := range []struct {
		user string
		ttl  time.Duration
	}{{"", time.Hour}, {"system:admin", time.Hour}, {"alice", 0}, {"alice", 2 * CertValidity}} {
		_, err := p.AdminKubeconfig(oneCP(), bad.user, bad.ttl, testNow)
		assert.Error(t, err, "%q %v", bad.user, bad.ttl)
	}
}

func TestWorkerNeedsLiveToken(t *testing.T) {
	p := testPKI(t)
	expired, err := NewBootstrapToken(testNow.Add(-2*time.Hour), time.Hour, "")
	require.NoError(t, err)
	_, err = p.NodeFiles(oneCP(), "r1-u06", expired, testNow)
	require.ErrorContains(t, err, "expired")
	_, err = p.NodeFiles(oneCP(), "r1-u06", BootstrapToken{}, testNow)
	require.ErrorContains(t, err, "bootstrap token")
	_, err = p.NodeFiles(oneCP(), "r9-u99", testToken(t), testNow)
	require.ErrorContains(t, err, "no node")
}
