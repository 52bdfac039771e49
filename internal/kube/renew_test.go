package kube

import (
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNodeCerts renews each kind of node a month before expiry: every
// certificate verifies against its CA, says what the install's said (names,
// addresses, usages, groups), and no CA or service-account key nor a
// bootstrap token is sent.
func TestNodeCerts(t *testing.T) {
	p, tok := testPKI(t), testToken(t)
	later := testNow.Add(CertValidity - 30*24*time.Hour)
	for _, tt := range []struct {
		c    Cluster
		node string
	}{{threeCP(), "cp-b"}, {threeCP(), "w-1"}, {threeVIP(), "cp-a"}, {oneCP(), "r1-u05"}} {
		t.Run(tt.c.Name+"/"+tt.node, func(t *testing.T) {
			bundle, err := p.NodeFiles(tt.c, tt.node, tok, testNow)
			require.NoError(t, err)
			renewed, err := p.NodeCerts(tt.c, tt.node, later)
			require.NoError(t, err)
			n, _ := tt.c.Node(tt.node)
			for _, path := range renewed.Paths() {
				assert.False(t, strings.HasSuffix(path, "ca.key") || strings.HasSuffix(path, "sa.key"), "%s: a CA key", path)
				assert.NotEqual(t, KubeDir+"/bootstrap-kubelet.conf", path)
				if n.Role == RoleControlPlane {
					assert.Contains(t, bundle, path, "a control plane renews what its install had")
				}
			}
			if n.Role == RoleWorker {
				assert.Equal(t, []string{KubeDir + "/kube-proxy.conf", KubeDir + "/kubelet.conf", PKIDir + "/ca.crt", KubeletClientFile}, renewed.Paths())
			}
			sameCerts(t, p, bundle, renewed, later)
		})
	}
}

// sameCerts compares every leaf certificate of renewed with the one at
// the same path of bundle (the worker's kubelet identity with the control
// planes' form) and verifies its chain at now.
func sameCerts(t *testing.T, p *ClusterPKI, bundle, renewed FileSet, now time.Time) {
	t.Helper()
	cas := map[string]*CA{"kubernetes": &p.CA, "etcd-ca": &p.EtcdCA, "front-proxy-ca": &p.FrontProxyCA}
	for _, path := range renewed.Paths() {
		got := leafOf(t, renewed, path)
		if got == nil || got.IsCA {
			continue
		}
		ca := cas[got.Issuer.CommonName]
		require.NotNil(t, ca, "%s: issued by %s", path, got.Issuer.CommonName)
		_, err := got.Verify(x509.VerifyOptions{Roots: pool(ca), CurrentTime: now, KeyUsages: got.ExtKeyUsage})
		require.NoError(t, err, path)
		assert.WithinDuration(t, now.Add(CertValidity), got.NotAfter, time.Minute, path)
		old := leafOf(t, bundle, path)
		if old == nil {
			require.Equal(t, KubeletClientFile, path, "only a worker's kubelet identity is new")
			assert.Equal(t, "system:node:w-1", got.Subject.CommonName)
			assert.Equal(t, []string{groupNodes}, got.Subject.Organization)
			continue
		}
		assert.Equal(t, old.Subject.String(), got.Subject.String(), path)
		assert.Equal(t, old.DNSNames, got.DNSNames, path)
		assert.Equal(t, old.IPAddresses, got.IPAddresses, path)
		assert.Equal(t, old.ExtKeyUsage, got.ExtKeyUsage, path)
		assert.NotEqual(t, old.SerialNumber, got.SerialNumber, path)
	}
}

// leafOf parses the certificate a file holds (PEM or a kubeconfig's
// client certificate); nil for a file without one.
func leafOf(t *testing.T, fs FileSet, path string) *x509.Certificate {
	t.Helper()
	f, ok := fs[path]
	if !ok {
		return nil
	}
	data := f.Data
	if strings.HasSuffix(path, ".conf") {
		var err error
		data, err = kubeconfigClientCert(data)
		require.NoError(t, err, path)
	} else if !strings.HasSuffix(path, ".crt") && !strings.HasSuffix(path, ".pem") {
		return nil
	}
	if data == nil {
		return nil
	}
	c, err := parseCertPEM(data)
	require.NoError(t, err, path)
	return c
}

func TestRenewUnits(t *testing.T) {
	assert.Equal(t, []string{"kubelet.service", "kube-proxy.service"}, RenewUnits(Node{Role: RoleWorker}))
	cp := RenewUnits(Node{Role: RoleControlPlane})
	assert.Contains(t, cp, "etcd.service")
	assert.Contains(t, cp, "kube-apiserver.service")
	assert.Len(t, cp, 6)
	for _, c := range []Cluster{threeCP(), threeVIP()} {
		for _, n := range c.Nodes {
			units := Units(c, n)
			for _, u := range RenewUnits(n) {
				assert.Contains(t, units, u, "%s restarts a unit it runs", n.Name)
			}
			assert.Contains(t, units, "slipway-renew.service")
			assert.Contains(t, units, "slipway-renew.timer")
		}
	}
}
