package kube

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/test/netns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNativeEtcd starts Debian's etcd from the rendered unit with the
// issued etcd certificates in a namespace and asks /health over TLS with
// the healthcheck client certificate; a client certificate of the cluster
// CA (not the etcd CA) is refused. Needs only etcd (SLIPWAY_KUBE=1).
func TestNativeEtcd(t *testing.T) {
	if os.Getenv("SLIPWAY_KUBE") != "1" {
		t.Skip("SLIPWAY_KUBE=1 runs the native tier (make test-kube)")
	}
	netns.Require(t)
	netns.RequireTool(t, "etcd")
	c := oneCP()
	now := time.Now()
	p, err := NewClusterPKI(now)
	require.NoError(t, err)
	files, err := p.NodeFiles(c, "r1-u05", BootstrapToken{}, now)
	require.NoError(t, err)
	units, err := RenderNode(c, "r1-u05")
	require.NoError(t, err)
	root := t.TempDir()
	rebase := install(t, root, files)
	lab := netns.New(t)
	cp := lab.Host("cp")
	cp.Link(lab.Bridge("lan"), "eth0", c.Nodes[0].IP.String()+"/24", "")
	args := rebase(execStart(t, units["/etc/systemd/system/etcd.service"].Data))
	proc := cp.Start(t, args[0], args[1:]...)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("etcd:\n%s", tail(proc.Output(), 4000))
		}
	})

	get := func(certFile, keyFile string) (string, error) {
		cert, err := tls.LoadX509KeyPair(filepath.Join(root, certFile), filepath.Join(root, keyFile))
		require.NoError(t, err)
		roots := x509.NewCertPool()
		roots.AddCert(p.EtcdCA.Cert)
		tr := &http.Transport{
			TLSClientConfig: &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: roots},
			DialContext: func(ctx context.Context, network, addr string) (conn net.Conn, err error) {
				err = cp.Do(func() (err error) { conn, err = (&net.Dialer{}).DialContext(ctx, network, addr); return err })
				return conn, err
			},
		}
		defer tr.CloseIdleConnections()
		resp, err := (&http.Client{Transport: tr, Timeout: 5 * time.Second}).Get("https://" + c.Nodes[0].IP.String() + ":2379/health")
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		return string(body), err
	}
	start := time.Now()
	var body string
	require.Eventually(t, func() bool {
		body, err = get(PKIDir+"/etcd/healthcheck-client.crt", PKIDir+"/etcd/healthcheck-client.key")
		return err == nil
	}, 60*time.Second, 200*time.Millisecond, "etcd never answered: %v", err)
	assert.Contains(t, body, `"health":"true"`)
	t.Logf("etcd healthy %.1fs after start: %s", time.Since(start).Seconds(), body)

	_, err = get(PKIDir+"/apiserver-kubelet-client.crt", PKIDir+"/apiserver-kubelet-client.key")
	require.Error(t, err, "a client certificate of the cluster CA must not pass etcd's client-cert-auth")
}
