package kube

import (
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/test/netns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// failover is how long a move of the VIP may take: the check script runs
// every 3 s and must fail twice, then a backup takes over within ~1 s.
const failover = 15 * time.Second

// TestNativeKeepalived proves the rendered keepalived configuration with
// Debian's keepalived: three control planes on one bridge, each turning its
// keepalived.conf.in into keepalived.conf with the drop-in's own
// ExecStartPre, and a stand-in for kube-apiserver (a TCP listener on :6443
// that names its node) for the VRRP check script to connect to. The VIP is
// held by cp-a (the highest priority) and answers from there; it moves to
// cp-b when cp-a's apiserver stops, to cp-c when cp-b's keepalived stops,
// and back to cp-a when its apiserver answers again.
func TestNativeKeepalived(t *testing.T) {
	requireKeepalived(t)
	c := threeVIP()
	vip := c.VIP()
	lab := netns.New(t)
	lan := lab.Bridge("lan")
	client := lab.Host("client")
	client.Link(lan, "eth0", "198.18.1.50/24", "")
	nodes := map[string]*vrrpNode{}
	for _, n := range c.ControlPlane() {
		nodes[n.Name] = startVRRPNode(t, lab, lan, c, n)
	}
	t.Cleanup(func() {
		if t.Failed() {
			for name, n := range nodes {
				t.Logf("keepalived %s:\n%s", name, tail(n.keepalived.Output(), 3000))
			}
		}
	})
	endpoint := net.JoinHostPort(vip.String(), "6443")
	// held waits until the VIP is on want alone and answers from there,
	// at most within after start.
	held := func(want string, start time.Time, within time.Duration, why string) {
		t.Helper()
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			got, ans := holders(t, nodes, vip.String()), answer(client, endpoint)
			if slices.Equal(got, []string{want}) && ans == want {
				break
			}
			require.Less(t, time.Since(start), within, "%s: VIP held by %v, answered by %q, want %s", why, got, ans, want)
			<-tick.C
		}
		t.Logf("%s: VIP on %s alone and answering after %.1fs", why, want, time.Since(start).Seconds())
	}

	held("cp-a", time.Now(), 30*time.Second, "start")
	start := time.Now()
	nodes["cp-a"].api.stop()
	held("cp-b", start, failover, "cp-a's apiserver stopped")
	start = time.Now()
	nodes["cp-b"].stopKeepalived(t)
	held("cp-c", start, failover, "cp-b's keepalived stopped")
	start = time.Now()
	nodes["cp-a"].api = serveName(t, nodes["cp-a"].host)
	held("cp-a", start, failover, "cp-a's apiserver answers again")
	if testing.Verbose() {
		t.Logf("keepalived cp-a:\n%s", tail(nodes["cp-a"].keepalived.Output(), 4000))
	}
}

func requireKeepalived(t *testing.T) {
	t.Helper()
	if os.Getenv("SLIPWAY_KUBE") != "1" {
		t.Skip("SLIPWAY_KUBE=1 runs the native tier (make test-kube)")
	}
	netns.Require(t)
	netns.RequireTool(t, "keepalived", "bash", "timeout")
}

// vrrpNode is one control plane's namespace with its stand-in apiserver
// and keepalived.
type vrrpNode struct {
	host       *netns.Host
	api        *standIn
	keepalived *netns.Process
	pids       string // directory of keepalived's pid files
}

func startVRRPNode(t *testing.T, lab *netns.Lab, lan string, c Cluster, n Node) *vrrpNode {
	t.Helper()
	h := lab.Host(n.Name)
	h.Link(lan, "eth0", n.IP.String()+"/24", "")
	fs, err := RenderNode(c, n.Name)
	require.NoError(t, err)
	dropin := fs["/etc/systemd/system/keepalived.service.d/slipway.conf"].Data
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "keepalived.conf.in"), fs["/etc/keepalived/keepalived.conf.in"].Data, 0o600))
	conf := startPre(t, h, dropin, dir)
	assert.Contains(t, conf, "interface eth0\n", "ExecStartPre found the interface carrying %s", n.IP)
	assert.NotContains(t, conf, "@IFACE@")

	args := unitLine(t, dropin, "ExecStart")
	require.Equal(t, "/usr/sbin/keepalived", args[0])
	for i, a := range args {
		args[i] = strings.ReplaceAll(a, "/etc/keepalived/", dir+"/")
	}
	pids := t.TempDir()
	args = append(args, "-p", filepath.Join(pids, "keepalived.pid"), "-r", filepath.Join(pids, "vrrp.pid"),
		"-c", filepath.Join(pids, "checkers.pid"), "-b", filepath.Join(pids, "bfd.pid"))
	node := &vrrpNode{host: h, api: serveName(t, h), pids: pids}
	node.keepalived = h.Start(t, args[0], args[1:]...)
	t.Cleanup(func() { node.stopKeepalived(t) }) // before Start's kill: let it release the VIP
	return node
}

// startPre runs the drop-in's ExecStartPre shell line inside h, with
// /etc/keepalived/ moved to dir, and returns the keepalived.conf it wrote.
func startPre(t *testing.T, h *netns.Host, dropin []byte, dir string) string {
	t.Helper()
	line := strings.Join(unitLine(t, dropin, "ExecStartPre"), " ")
	script, ok := strings.CutPrefix(line, "/bin/sh -c '")
	require.True(t, ok, "ExecStartPre is a /bin/sh -c line: %s", line)
	script, ok = strings.CutSuffix(script, "'")
	require.True(t, ok && !strings.Contains(script, "'"), "one single-quoted script: %s", line)
	script = strings.ReplaceAll(script, "/etc/keepalived/", dir+"/")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := h.Run(ctx, "/bin/sh", "-c", script)
	require.NoError(t, err)
	conf, err := os.ReadFile(filepath.Join(dir, "keepalived.conf"))
	require.NoError(t, err)
	return string(conf)
}

// unitLine returns the last non-empty value of key in a unit file, split
// into words (an empty assignment only resets the list).
func unitLine(t *testing.T, unit []byte, key string) []string {
	t.Helper()
	var words []string
	for _, line := range strings.Split(string(unit), "\n") {
		if v, ok := strings.CutPrefix(line, key+"="); ok && v != "" {
			words = strings.Fields(v)
		}
	}
	require.NotEmpty(t, words, "no %s= in unit:\n%s", key, unit)
	return words
}

// stopKeepalived stops keepalived as systemd does (SIGTERM: it gives the
// VIP up) and makes sure its VRRP and checker children are gone too.
func (n *vrrpNode) stopKeepalived(t *testing.T) {
	t.Helper()
	p := n.keepalived
	select {
	case <-p.Exited():
		return
	default:
	}
	_ = p.Cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.Exited():
	case <-time.After(10 * time.Second):
		t.Errorf("keepalived on %s ignored SIGTERM for 10 s: killed", n.host.Name)
		p.Kill()
	}
	for _, f := range []string{"vrrp.pid", "checkers.pid", "bfd.pid"} {
		killStray(t, filepath.Join(n.pids, f))
	}
}

// killStray kills a keepalived child whose pid file outlived its parent.
func killStray(t *testing.T, pidFile string) {
	data, err := os.ReadFile(pidFile)
	if err != nil {
		return // removed on a clean stop
	}
	pid := strings.TrimSpace(string(data))
	comm, err := os.ReadFile("/proc/" + pid + "/comm")
	if err != nil || strings.TrimSpace(string(comm)) != "keepalived" {
		return
	}
	t.Errorf("keepalived child %s outlived its parent: killed", pid)
	if n, err := strconv.Atoi(pid); err == nil {
		_ = syscall.Kill(n, syscall.SIGKILL)
	}
}

// holders returns the nodes whose namespace carries the VIP.
func holders(t *testing.T, nodes map[string]*vrrpNode, vip string) []string {
	var out []string
	for name, n := range nodes {
		err := n.host.Do(func() error {
			addrs, err := net.InterfaceAddrs()
			for _, a := range addrs {
				if a.String() == vip+"/32" {
					out = append(out, name)
				}
			}
			return err
		})
		require.NoError(t, err)
	}
	slices.Sort(out)
	return out
}

// answer connects from client to addr and returns the node name the
// stand-in apiserver there sends ("" when nothing answers).
func answer(client *netns.Host, addr string) string {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	conn, err := dialIn(client)(ctx, "tcp4", addr)
	if err != nil {
		return ""
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(time.Second))
	b, _ := io.ReadAll(conn)
	return string(b)
}

// standIn stands in for kube-apiserver: a TCP listener on :6443 (so on
// 127.0.0.1, which the check script connects to, and on the VIP) that
// writes its node's name to each connection.
type standIn struct{ ln net.Listener }

func serveName(t *testing.T, h *netns.Host) *standIn {
	t.Helper()
	s := &standIn{}
	require.NoError(t, h.Do(func() (err error) {
		s.ln, err = net.Listen("tcp4", ":6443")
		return err
	}))
	t.Cleanup(s.stop)
	go func() {
		for {
			conn, err := s.ln.Accept()
			if err != nil {
				return
			}
			_, _ = io.WriteString(conn, h.Name)
			_ = conn.Close()
		}
	}()
	return s
}

func (s *standIn) stop() { _ = s.ln.Close() }
