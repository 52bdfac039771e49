package kube

import (
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// renewServer is an appliance stand-in on HTTPS with a certificate its
// own CA signed (the node trusts that CA only): it answers a renewal with
// status, and records what the script sent.
type renewServer struct {
	mu     sync.Mutex // the handler runs on the server's goroutines
	srv    *httptest.Server
	caPEM  []byte
	status int
	body   any
	got    struct {
		auth, path string
		req        map[string]any
	}
}

func newRenewServer(t *testing.T) *renewServer {
	t.Helper()
	now := time.Now() // python checks the validity against the clock
	ca, err := newCA("slipway appliance", now)
	require.NoError(t, err)
	cert, key, err := ca.issue(certSpec{cn: "appliance", usages: serverAuth, ips: []net.IP{net.IPv4(127, 0, 0, 1)}}, now)
	require.NoError(t, err)
	rs := &renewServer{caPEM: certPEM(ca.Cert), status: http.StatusNoContent}
	rs.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rs.mu.Lock()
		defer rs.mu.Unlock()
		rs.got.auth, rs.got.path = r.Header.Get("Authorization"), r.URL.Path
		body, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(body, &rs.got.req)
		if rs.body == nil {
			w.WriteHeader(rs.status)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rs.status)
		_ = json.NewEncoder(w).Encode(rs.body)
	}))
	rs.srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{cert.Raw}, PrivateKey: key}}}
	rs.srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake of "untrusted server"
	rs.srv.StartTLS()
	t.Cleanup(rs.srv.Close)
	return rs
}

// answer sets what the server answers next.
func (rs *renewServer) answer(status int, body any) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.status, rs.body = status, body
}

// received is what the script sent last.
func (rs *renewServer) received() (auth, path string, req map[string]any) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return rs.got.auth, rs.got.path, rs.got.req
}

// node is a node's root in a temporary directory with the renewal script
// rendered for w-1, the token, CA and URL its seed would carry, and a
// systemctl stand-in that records its arguments.
type node struct {
	root, script, systemctl, calls string
}

func newNode(t *testing.T, rs *renewServer, caPEM []byte) node {
	t.Helper()
	dir := t.TempDir()
	n := node{root: filepath.Join(dir, "root"), calls: filepath.Join(dir, "calls")}
	fs, err := RenderNode(threeCP(), "w-1")
	require.NoError(t, err)
	n.script = filepath.Join(dir, "renew")
	require.NoError(t, os.WriteFile(n.script, fs[RenewScript].Data, 0o755))
	n.systemctl = filepath.Join(dir, "systemctl")
	require.NoError(t, os.WriteFile(n.systemctl, []byte("#!/bin/sh\necho \"$@\" >> "+n.calls+"\n"), 0o755))
	for path, data := range map[string][]byte{RenewTokenFile: []byte("slwr_secret\n"), RenewCAFile: caPEM,
		RenewURLFile: []byte(rs.srv.URL + "\n")} {
		n.write(t, path, data)
	}
	return n
}

func (n node) write(t *testing.T, path string, data []byte) {
	t.Helper()
	p := filepath.Join(n.root, path)
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, data, 0o600))
}

func (n node) run(t *testing.T) (string, error) {
	t.Helper()
	cmd := exec.Command("python3", n.script, "--root", n.root)
	cmd.Env = append(os.Environ(), "SLIPWAY_RENEW_SYSTEMCTL="+n.systemctl)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func requirePython(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not installed: the node image's renewal script cannot run here")
	}
}

// TestRenewScript runs the rendered script with the host's python3 against
// an HTTPS stand-in of the appliance.
func TestRenewScript(t *testing.T) {
	requirePython(t)
	rs := newRenewServer(t)
	n := newNode(t, rs, rs.caPEM)

	out, err := n.run(t)
	require.NoError(t, err, out)
	assert.Contains(t, out, "nothing is due")
	auth, path, req := rs.received()
	assert.Equal(t, "Bearer slwr_secret", auth)
	assert.Equal(t, RenewAPIPath, path)
	assert.Equal(t, map[string]any{"serial": 0.0}, req, "a node without a renewed set holds its install's (0)")
	assert.NoFileExists(t, n.calls, "nothing restarted")

	b64 := base64.StdEncoding.EncodeToString
	rs.answer(http.StatusOK, map[string]any{"serial": 3, "restart": []string{"kubelet.service", "kube-proxy.service"},
		"files": []map[string]string{
			{"path": KubeDir + "/kubelet.conf", "mode": "0600", "data": b64([]byte("kubeconfig\n"))},
			{"path": PKIDir + "/ca.crt", "mode": "0644", "data": b64([]byte("ca\n"))},
			{"path": RenewSerialFile, "mode": "0644", "data": b64([]byte("3\n"))},
		}})
	n.write(t, KubeDir+"/kubelet.conf", []byte("old\n"))
	out, err = n.run(t)
	require.NoError(t, err, out)
	for path, want := range map[string]struct {
		data string
		mode os.FileMode
	}{KubeDir + "/kubelet.conf": {"kubeconfig\n", 0o600}, PKIDir + "/ca.crt": {"ca\n", 0o644}, RenewSerialFile: {"3\n", 0o644}} {
		fi, err := os.Stat(filepath.Join(n.root, path))
		require.NoError(t, err, path)
		assert.Equal(t, want.mode, fi.Mode().Perm(), path)
		data, _ := os.ReadFile(filepath.Join(n.root, path))
		assert.Equal(t, want.data, string(data), path)
	}
	calls, err := os.ReadFile(n.calls)
	require.NoError(t, err)
	assert.Equal(t, "restart kubelet.service\nrestart kube-proxy.service\n", string(calls), "one at a time, in order")
	leftovers, _ := filepath.Glob(filepath.Join(n.root, KubeDir, "*.slipway-renew.*"))
	assert.Empty(t, leftovers, "no temporary file left behind")

	rs.answer(http.StatusNoContent, nil)
	_, err = n.run(t)
	require.NoError(t, err)
	_, _, req = rs.received()
	assert.Equal(t, map[string]any{"serial": 3.0}, req, "the next run says which set it holds")
}

// TestRenewScriptRefusals: a refusal, a server the CA did not sign and a
// path outside the node's tree fail the run and write nothing.
func TestRenewScriptRefusals(t *testing.T) {
	requirePython(t)
	rs := newRenewServer(t)
	other, err := newCA("someone else", testNow)
	require.NoError(t, err)
	for _, tt := range []struct {
		name   string
		caPEM  []byte
		status int
		body   any
		want   string
	}{
		{"refused", rs.caPEM, http.StatusUnauthorized, map[string]string{"error": "the renew token is not valid"}, "401"},
		{"untrusted server", certPEM(other.Cert), http.StatusNoContent, nil, "CERTIFICATE_VERIFY_FAILED"},
		{"path escapes", rs.caPEM, http.StatusOK, map[string]any{"serial": 1, "restart": []string{"kubelet.service"},
			"files": []map[string]string{{"path": "/etc/../../escape", "mode": "0644", "data": ""}}}, "refusing path"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rs.answer(tt.status, tt.body)
			n := newNode(t, rs, tt.caPEM)
			out, err := n.run(t)
			require.Error(t, err, out)
			assert.Contains(t, out, tt.want)
			assert.NoFileExists(t, n.calls)
			assert.NoFileExists(t, filepath.Join(filepath.Dir(n.root), "escape"))
			assert.False(t, strings.Contains(out, "slwr_secret"), "the token is never printed")
		})
	}
}
