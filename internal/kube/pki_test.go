package kube

import (
	"crypto/x509"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func parseCert(t *testing.T, fs FileSet, path string) *x509.Certificate {
	t.Helper()
	f, ok := fs[path]
	require.True(t, ok, "%s missing", path)
	c, err := parseCertPEM(f.Data)
	require.NoError(t, err, path)
	return c
}

func TestControlPlaneCertificates(t *testing.T) {
	p := testPKI(t)
	c := threeCP()
	fs, err := p.NodeFiles(c, "cp-b", BootstrapToken{}, testNow)
	require.NoError(t, err)
	server := []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	client := []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	both := []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	tests := []struct {
		path   string
		ca     *CA
		cn     string
		orgs   []string
		usages []x509.ExtKeyUsage
		dns    []string
		ips    []string
	}{
		{PKIDir + "/apiserver.crt", &p.CA, "kube-apiserver", nil, server,
			[]string{"cp-b", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", "api.edge-3.example"},
			[]string{"10.96.0.1", "198.18.1.2"}},
		{PKIDir + "/apiserver-kubelet-client.crt", &p.CA, "kube-apiserver-kubelet-client", nil, client, nil, nil},
		{PKIDir + "/apiserver-etcd-client.crt", &p.EtcdCA, "kube-apiserver-etcd-client", nil, client, nil, nil},
		{PKIDir + "/front-proxy-client.crt", &p.FrontProxyCA, "front-proxy-client", nil, client, nil, nil},
		{PKIDir + "/etcd/server.crt", &p.EtcdCA, "cp-b", nil, both, []string{"cp-b", "localhost"}, []string{"198.18.1.2", "127.0.0.1", "::1"}},
		{PKIDir + "/etcd/peer.crt", &p.EtcdCA, "cp-b", nil, both, []string{"cp-b", "localhost"}, []string{"198.18.1.2", "127.0.0.1", "::1"}},
		{PKIDir + "/etcd/healthcheck-client.crt", &p.EtcdCA, "kube-etcd-healthcheck-client", nil, client, nil, nil},
		{KubeletClientFile, &p.CA, "system:node:cp-b", []string{"system:nodes"}, client, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			cert := parseCert(t, fs, tt.path)
			assert.Equal(t, tt.cn, cert.Subject.CommonName)
			assert.Equal(t, tt.orgs, cert.Subject.Organization)
			assert.Equal(t, tt.usages, cert.ExtKeyUsage)
			assert.Equal(t, x509.KeyUsageDigitalSignature|x509.KeyUsageKeyEncipherment, cert.KeyUsage)
			assert.False(t, cert.IsCA)
			assert.Equal(t, tt.dns, cert.DNSNames)
			var ips []string
			for _, ip := range cert.IPAddresses {
				ips = append(ips, ip.String())
			}
			assert.Equal(t, tt.ips, ips)
			assert.Equal(t, testNow.Add(-time.Hour), cert.NotBefore)
			assert.Equal(t, testNow.Add(CertValidity), cert.NotAfter)
			verify(t, cert, tt.ca, tt.usages[0])
			for _, other := range []*CA{&p.CA, &p.EtcdCA, &p.FrontProxyCA} {
				if other != tt.ca {
					_, err := cert.Verify(x509.VerifyOptions{Roots: pool(other), CurrentTime: testNow, KeyUsages: tt.usages})
					assert.Error(t, err, "%s must not verify against %s", tt.path, other.Cert.Subject.CommonName)
				}
			}
			keyPath := tt.path[:len(tt.path)-len(".crt")] + ".key"
			if tt.path == KubeletClientFile {
				keyPath = tt.path
			}
			assert.Equal(t, modePrivate, fs[keyPath].Mode)
		})
	}
}

func pool(ca *CA) *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.Cert)
	return p
}

func verify(t *testing.T, cert *x509.Certificate, ca *CA, usage x509.ExtKeyUsage) {
	t.Helper()
	chains, err := cert.Verify(x509.VerifyOptions{Roots: pool(ca), CurrentTime: testNow, KeyUsages: []x509.ExtKeyUsage{usage}})
	require.NoError(t, err)
	require.Len(t, chains, 1)
	require.Len(t, chains[0], 2, "leaf → CA")
}

func TestAPIServerSANsWithIPEndpoint(t *testing.T) {
	p := testPKI(t)
	c := oneCP()
	c.Endpoint = "198.18.0.100:6443" // a VIP
	fs, err := p.NodeFiles(c, "r1-u05", BootstrapToken{}, testNow)
	require.NoError(t, err)
	cert := parseCert(t, fs, PKIDir+"/apiserver.crt")
	for _, name := range []string{"10.96.0.1", "198.18.0.10", "198.18.0.100"} {
		assert.NoError(t, cert.VerifyHostname(name), name)
	}
	assert.NoError(t, cert.VerifyHostname("kubernetes.default.svc.cluster.local"))
	assert.Error(t, cert.VerifyHostname("198.18.0.11"))
	assert.NotContains(t, cert.DNSNames, "198.18.0.100")
	assert.True(t, cert.IPAddresses[2].Equal(net.ParseIP("198.18.0.100")))
}

func TestCAs(t *testing.T) {
	p := testPKI(t)
	for _, ca := range []struct {
		ca *CA
		cn string
	}{{&p.CA, "kubernetes"}, {&p.FrontProxyCA, "front-proxy-ca"}, {&p.EtcdCA, "etcd-ca"}} {
		assert.Equal(t, ca.cn, ca.ca.Cert.Subject.CommonName)
		assert.True(t, ca.ca.Cert.IsCA)
		assert.NotZero(t, ca.ca.Cert.KeyUsage&x509.KeyUsageCertSign)
		assert.Equal(t, testNow.Add(CAValidity), ca.ca.Cert.NotAfter)
		require.NoError(t, ca.ca.Cert.CheckSignatureFrom(ca.ca.Cert))
	}
}

func TestLeafNeverOutlivesCA(t *testing.T) {
	p := testPKI(t)
	late := testNow.Add(CAValidity - 24*time.Hour) // the CA has a day left
	cert, _, err := p.CA.issue(certSpec{cn: "x", usages: clientAuth}, late)
	require.NoError(t, err)
	assert.Equal(t, p.CA.Cert.NotAfter, cert.NotAfter)
}

func TestClusterPKIRoundTrip(t *testing.T) {
	p := testPKI(t)
	fs, err := p.Files()
	require.NoError(t, err)
	assert.Equal(t, []string{
		PKIDir + "/ca.crt", PKIDir + "/ca.key", PKIDir + "/etcd/ca.crt", PKIDir + "/etcd/ca.key",
		PKIDir + "/front-proxy-ca.crt", PKIDir + "/front-proxy-ca.key", PKIDir + "/sa.key", PKIDir + "/sa.pub",
	}, fs.Paths())
	back, err := LoadClusterPKI(fs)
	require.NoError(t, err)
	assert.True(t, back.CA.Cert.Equal(p.CA.Cert))
	again, err := back.Files()
	require.NoError(t, err)
	assert.Equal(t, fs, again)

	// A certificate issued by the reloaded CA verifies against the original.
	cert, _, err := back.CA.issue(certSpec{cn: "x", usages: clientAuth}, testNow)
	require.NoError(t, err)
	verify(t, cert, &p.CA, x509.ExtKeyUsageClientAuth)
}

func TestLoadClusterPKIRejects(t *testing.T) {
	p, q := testPKI(t), testPKI(t)
	good, err := p.Files()
	require.NoError(t, err)
	other, err := q.Files()
	require.NoError(t, err)
	tests := []struct {
		name   string
		mutate func(FileSet)
		want   string
	}{
		{"missing key", func(fs FileSet) { delete(fs, PKIDir+"/etcd/ca.key") }, "etcd/ca.key: missing"},
		{"foreign key", func(fs FileSet) { fs[PKIDir+"/ca.key"] = other[PKIDir+"/ca.key"] }, "ca.key does not match"},
		{"leaf as CA", func(fs FileSet) {
			cert, _, err := p.CA.issue(certSpec{cn: "x", usages: clientAuth}, testNow)
			require.NoError(t, err)
			fs[PKIDir+"/front-proxy-ca.crt"] = File{Data: certPEM(cert)}
		}, "not a CA"},
		{"garbage", func(fs FileSet) { fs[PKIDir+"/sa.key"] = File{Data: []byte("nope")} }, "sa.key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := FileSet{}
			require.NoError(t, fs.Merge(good))
			tt.mutate(fs)
			_, err := LoadClusterPKI(fs)
			require.ErrorContains(t, err, tt.want)
		})
	}
}
