package tftp

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testFiles are the sizes every client fetches: empty, around one 512-byte
// block, and 10 MB.
var testFiles = map[string]int{"empty": 0, "f511": 511, "f512": 512, "f513": 513, "big": 10 << 20}

// makeRoot writes testFiles with random content into a new TFTP root, plus
// a symlink pointing out of it, and a secret file next to (outside) it.
func makeRoot(t *testing.T) string {
	t.Helper()
	base := t.TempDir()
	root := filepath.Join(base, "root")
	require.NoError(t, os.Mkdir(root, 0o755))
	for name, size := range testFiles {
		b := make([]byte, size)
		_, _ = rand.Read(b)
		require.NoError(t, os.WriteFile(filepath.Join(root, name), b, 0o644))
	}
	require.NoError(t, os.WriteFile(filepath.Join(base, "secret"), []byte("secret"), 0o644))
	require.NoError(t, os.Symlink(filepath.Join(base, "secret"), filepath.Join(root, "out")))
	return root
}

// testServer runs a server on a loopback port until the test ends.
type testServer struct {
	*Server
	addr *net.UDPAddr
	reg  *prometheus.Registry
}

func startServer(t *testing.T, cfg Config, deps Deps) *testServer {
	t.Helper()
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	require.NoError(t, err)
	reg := prometheus.NewRegistry()
	deps.Conn, deps.Metrics = conn, reg
	s, err := New(cfg, deps)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			assert.NoError(t, err)
		case <-time.After(10 * time.Second):
			t.Error("tftp server did not stop")
		}
	})
	return &testServer{Server: s, addr: conn.LocalAddr().(*net.UDPAddr), reg: reg}
}

func (ts *testServer) port() string { return strconv.Itoa(ts.addr.Port) }

func (ts *testServer) count(result string) float64 {
	return value(ts.metrics.transfers.WithLabelValues(result))
}

// run runs a real client and returns its combined output.
func run(t *testing.T, name string, args ...string) (string, error) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Skipf("%s not installed (Debian packages tftp-hpa and atftp; make deps)", name)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	return string(out), err
}

func TestRealClientsFetch(t *testing.T) {
	root := makeRoot(t)
	ts := startServer(t, Config{Root: root}, Deps{})
	clients := map[string]func(remote, local string) []string{
		"tftp-hpa": func(remote, local string) []string {
			return []string{"tftp", "-m", "binary", "127.0.0.1", ts.port(), "-c", "get", remote, local}
		},
		"atftp blksize 1468 tsize": func(remote, local string) []string {
			return []string{"atftp", "--option", "blksize 1468", "--option", "tsize", "-g", "-r", remote, "-l", local, "127.0.0.1", ts.port()}
		},
		"atftp timeout": func(remote, local string) []string {
			return []string{"atftp", "--option", "timeout 1", "-g", "-r", remote, "-l", local, "127.0.0.1", ts.port()}
		},
	}
	ok := 0
	for cname, argv := range clients {
		for name := range testFiles {
			t.Run(cname+"/"+name, func(t *testing.T) {
				local := filepath.Join(t.TempDir(), "got")
				args := argv(name, local)
				out, err := run(t, args[0], args[1:]...)
				require.NoError(t, err, out)
				want, err := os.ReadFile(filepath.Join(root, name))
				require.NoError(t, err)
				got, err := os.ReadFile(local)
				require.NoError(t, err, out)
				require.True(t, bytes.Equal(want, got), "%s: got %d bytes, want %d", name, len(got), len(want))
				ok++
			})
		}
	}
	assert.Equal(t, float64(ok), ts.count("ok"))
	assert.InDelta(t, 0, value(ts.metrics.active), 0)
}

func TestRealClientsRefused(t *testing.T) {
	root := makeRoot(t)
	ts := startServer(t, Config{Root: root}, Deps{})
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"tftp-hpa put", []string{"tftp", "127.0.0.1", ts.port(), "-c", "put", filepath.Join(root, "f511"), "new"}, "Error code 2"},
		{"atftp put", []string{"atftp", "-p", "-l", filepath.Join(root, "f511"), "-r", "new", "127.0.0.1", ts.port()}, "read-only"},
		{"tftp-hpa dot dot", []string{"tftp", "127.0.0.1", ts.port(), "-c", "get", "../secret", os.DevNull}, "Error code 2"},
		{"atftp dot dot", []string{"atftp", "-g", "-r", "root/../../secret", "-l", os.DevNull, "127.0.0.1", ts.port()}, "outside the TFTP root"},
		{"tftp-hpa absolute", []string{"tftp", "127.0.0.1", ts.port(), "-c", "get", "/etc/passwd", os.DevNull}, "Error code 2"},
		{"atftp symlink out", []string{"atftp", "-g", "-r", "out", "-l", os.DevNull, "127.0.0.1", ts.port()}, "outside the TFTP root"},
		{"tftp-hpa missing", []string{"tftp", "127.0.0.1", ts.port(), "-c", "get", "pxelinux.0", os.DevNull}, "Error code 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _ := run(t, tt.args[0], tt.args[1:]...)
			assert.Contains(t, out, tt.want)
		})
	}
	_, err := os.Stat(filepath.Join(root, "new"))
	assert.ErrorIs(t, err, os.ErrNotExist, "nothing was written")
	assert.Equal(t, 6.0, ts.count("denied"))
	assert.Equal(t, 1.0, ts.count("not_found"))
	assert.Zero(t, ts.count("ok"))
}

// rawClient speaks TFTP by hand, to hold a transfer open.
type rawClient struct {
	t    *testing.T
	conn *net.UDPConn
}

func newRawClient(t *testing.T) *rawClient {
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return &rawClient{t: t, conn: conn}
}

func (c *rawClient) send(to *net.UDPAddr, p []byte) {
	_, err := c.conn.WriteToUDP(p, to)
	require.NoError(c.t, err)
}

func (c *rawClient) recv() ([]byte, *net.UDPAddr) {
	b := make([]byte, 2048)
	require.NoError(c.t, c.conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	n, from, err := c.conn.ReadFromUDP(b)
	require.NoError(c.t, err)
	return b[:n], from
}

func TestTransferCap(t *testing.T) {
	root := makeRoot(t)
	ts := startServer(t, Config{Root: root, MaxTransfers: 2}, Deps{})
	var holders []*net.UDPAddr
	var clients []*rawClient
	for range 2 { // two transfers that wait for an ACK that never comes
		c := newRawClient(t)
		c.send(ts.addr, rq(opRRQ, "big", "octet"))
		p, from := c.recv()
		require.Equal(t, uint16(3), binary.BigEndian.Uint16(p), "first DATA block")
		holders, clients = append(holders, from), append(clients, c)
	}
	require.Eventually(t, func() bool { return ts.active.Load() == 2 }, 5*time.Second, 10*time.Millisecond)

	out, _ := run(t, "atftp", "-g", "-r", "f511", "-l", os.DevNull, "127.0.0.1", ts.port())
	assert.Contains(t, out, "server busy")
	assert.Equal(t, 1.0, ts.count("refused"))

	for i, c := range clients { // abort the held transfers
		c.send(holders[i], errorPacket(CodeUndefined, "client gives up"))
	}
	require.Eventually(t, func() bool { return ts.active.Load() == 0 }, 10*time.Second, 10*time.Millisecond)
	local := filepath.Join(t.TempDir(), "got")
	out, err := run(t, "atftp", "-g", "-r", "f511", "-l", local, "127.0.0.1", ts.port())
	require.NoError(t, err, out)
	assert.Equal(t, 2.0, ts.count("failed"))
}

// value reads a counter's or gauge's current value.
func value(m prometheus.Metric) float64 {
	var d dto.Metric
	if err := m.Write(&d); err != nil {
		return -1
	}
	if d.Counter != nil {
		return d.Counter.GetValue()
	}
	return d.Gauge.GetValue()
}

// TestOptionsNegotiated reads atftp's trace: the OACK carries the file's
// size as tsize and the requested blksize; the timeout option is validated
// but declined (left out of the OACK, as RFC 2349 allows): the server keeps
// its configured retransmission timeout.
func TestOptionsNegotiated(t *testing.T) {
	root := makeRoot(t)
	ts := startServer(t, Config{Root: root}, Deps{})
	out, err := run(t, "atftp", "--trace", "--option", "blksize 1468", "--option", "tsize", "--option", "timeout 1",
		"-g", "-r", "f513", "-l", os.DevNull, "127.0.0.1", ts.port())
	require.NoError(t, err, out)
	assert.Contains(t, out, "received OACK <tsize: 513, blksize: 1468, \b\b>", "timeout declined")

	out, err = run(t, "atftp", "--trace", "--option", "blksize 9000", "-g", "-r", "f513", "-l", os.DevNull, "127.0.0.1", ts.port())
	require.NoError(t, err, out)
	assert.Contains(t, out, "received OACK <blksize: 1468, \b\b>", "capped at the configured maximum")
}
