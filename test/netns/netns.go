// Package netns builds throwaway network topologies for tests: Linux
// network namespaces joined by bridges, with veth links and addresses from
// the benchmarking range 198.18.0.0/15. Test traffic never leaves them.
//
//	lab := netns.New(t)                 // skips unless root with iproute2
//	lan := lab.Bridge("lan")
//	srv := lab.Host("srv")
//	srv.Link(lan, "eth0", "198.18.0.1/24", "")
//	p := srv.Start(t, "dnsmasq", "-d", ...) // killed by PID at cleanup
//	srv.Do(func() error { ... net.ListenPacket inside srv ... })
//
// Everything a Lab creates is removed when the test ends: processes it
// started are killed by PID, then its namespaces are deleted (which deletes
// their links and bridges). IPv6 is off in every namespace (no router
// advertisements or duplicate address detection to wait for).
package netns

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// EnvHeavy enables the slow namespace tests (set by `make test`).
const EnvHeavy = "SLIPWAY_NETNS"

// Require skips t unless it runs as root with the ip command.
func Require(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("network namespace tests need root")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("network namespace tests need iproute2 (ip)")
	}
}

// RequireHeavy is Require, and also skips unless SLIPWAY_NETNS=1.
func RequireHeavy(t testing.TB) {
	t.Helper()
	if os.Getenv(EnvHeavy) != "1" {
		t.Skip("set " + EnvHeavy + "=1 to run the network namespace tests")
	}
	Require(t)
}

// RequireTool skips t unless the named programs are installed.
func RequireTool(t testing.TB, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			t.Skipf("%s is not installed", n)
		}
	}
}

// Lab is one test's set of namespaces. The hub namespace holds the bridges.
type Lab struct {
	t      testing.TB
	prefix string
	hub    string
	mu     sync.Mutex
	n      int
}

var labs atomic.Int64

// New creates a Lab whose namespaces are deleted when t ends.
func New(t testing.TB) *Lab {
	t.Helper()
	Require(t)
	l := &Lab{t: t, prefix: fmt.Sprintf("slw%d-%d", os.Getpid()%100000, labs.Add(1))}
	l.hub = l.addNamespace("hub")
	return l
}

func (l *Lab) addNamespace(name string) string {
	l.t.Helper()
	ns := l.prefix + "-" + name
	l.must("ip", "netns", "add", ns)
	l.t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", ns).Run() })
	l.must("ip", "-n", ns, "link", "set", "lo", "up")
	l.must("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
		"net.ipv6.conf.default.disable_ipv6=1")
	return ns
}

// Bridge creates a bridge in the hub namespace and returns its name.
func (l *Lab) Bridge(name string) string {
	l.t.Helper()
	l.must("ip", "-n", l.hub, "link", "add", name, "type", "bridge")
	l.must("ip", "-n", l.hub, "link", "set", name, "up")
	return name
}

// Host creates a namespace standing for one machine.
func (l *Lab) Host(name string) *Host {
	l.t.Helper()
	return &Host{lab: l, Name: name, NS: l.addNamespace(name)}
}

func (l *Lab) vethName() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.n++
	return fmt.Sprintf("v%d-%d", labs.Load()%1000, l.n)
}

func (l *Lab) must(args ...string) {
	l.t.Helper()
	if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
		l.t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// Host is a namespace with links into the Lab's bridges.
type Host struct {
	lab  *Lab
	Name string
	NS   string // namespace name (for ip netns exec)
}

// Link connects the host to bridge with a veth whose host end is ifname,
// with address cidr ("" for none) and MAC mac ("" for a random one).
func (h *Host) Link(bridge, ifname, cidr, mac string) {
	h.lab.t.Helper()
	peer := h.lab.vethName()
	l := h.lab
	l.must("ip", "-n", l.hub, "link", "add", peer, "type", "veth", "peer", "name", ifname, "netns", h.NS)
	l.must("ip", "-n", l.hub, "link", "set", peer, "master", bridge, "up")
	if mac != "" {
		l.must("ip", "-n", h.NS, "link", "set", ifname, "address", mac)
	}
	if cidr != "" {
		l.must("ip", "-n", h.NS, "addr", "add", cidr, "dev", ifname)
	}
	l.must("ip", "-n", h.NS, "link", "set", ifname, "up")
}

// Command returns a command that runs inside the host's namespace.
func (h *Host) Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", h.NS, name}, args...)...)
}

// Run runs a command inside the namespace to completion and returns its
// combined output.
func (h *Host) Run(ctx context.Context, name string, args ...string) (string, error) {
	out, err := h.Command(ctx, name, args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// Process is a background program started by Start.
type Process struct {
	Cmd  *exec.Cmd
	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{}
}

// Start runs a program in the background inside the namespace. It is
// killed (by its PID) and waited for when t ends.
func (h *Host) Start(t testing.TB, name string, args ...string) *Process {
	t.Helper()
	p := &Process{done: make(chan struct{})}
	p.Cmd = exec.Command("ip", append([]string{"netns", "exec", h.NS, name}, args...)...)
	p.Cmd.Stdout, p.Cmd.Stderr = (*syncWriter)(p), (*syncWriter)(p)
	if err := p.Cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { _ = p.Cmd.Wait(); close(p.done) }()
	t.Cleanup(p.Kill)
	return p
}

// Kill kills the process by PID and waits for it.
func (p *Process) Kill() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.Cmd.Process.Kill()
	<-p.done
}

// Exited is closed when the process has ended.
func (p *Process) Exited() <-chan struct{} { return p.done }

// Output returns what the process wrote so far (stdout and stderr).
func (p *Process) Output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

type syncWriter Process

func (w *syncWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.out.Write(b)
}
