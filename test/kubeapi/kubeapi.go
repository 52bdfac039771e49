// Package kubeapi starts a real Kubernetes API for tests: Debian's etcd and
// the kube-apiserver that `make images-kube` built, on 127.0.0.1 with
// random free ports, in temp dirs, with a fresh PKI issued by internal/kube
// (the same certificates a Slipway control-plane node gets). Optionally it
// also runs kube-controller-manager (CSR signing, token cleaner, service
// accounts).
//
//	srv := kubeapi.Start(t)                          // skips without the binaries
//	srv.Client().CoreV1().Namespaces().List(ctx, ...)
//	srv := kubeapi.Start(t, kubeapi.WithControllerManager())
//
// The binaries come from SLIPWAY_KUBE_BIN (default <repo>/.cache/kube/v1.37.2)
// and /usr/bin/etcd. When one is missing the test is skipped, unless
// SLIPWAY_KUBE=1 (then it fails). Processes are killed by PID at cleanup;
// their output is kept in log files whose tails are printed when the test
// fails.
package kubeapi

import (
	"context"
	"fmt"
	"net/netip"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/internal/kube"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// Version is the Kubernetes release the default binary directory holds.
const Version = "v1.37.2"

// readyTimeout bounds how long Start waits for /readyz (measured ~4 s).
const readyTimeout = 2 * time.Minute

// Option changes what Start runs.
type Option func(*options)

type options struct {
	controllerManager bool
}

// WithControllerManager also runs kube-controller-manager (no leader
// election), which signs approved CSRs with the cluster CA, cleans expired
// bootstrap tokens and creates service accounts. Start returns once it has
// created the default ServiceAccount of namespace default.
func WithControllerManager() Option { return func(o *options) { o.controllerManager = true } }

// Server is one running API: an etcd, a kube-apiserver and optionally a
// kube-controller-manager.
type Server struct {
	Endpoint string           // https://127.0.0.1:PORT
	PKI      *kube.ClusterPKI // the cluster's CAs and service-account key
	Dir      string           // root of the node's files (Dir/etc/kubernetes/...) and the logs

	t       testing.TB
	cluster kube.Cluster
	files   kube.FileSet
	cfg     *rest.Config
	client  kubernetes.Interface
	procs   []*process
	stop    sync.Once
}

// Start runs etcd and kube-apiserver (and the options' extras) and returns
// once /readyz answers ok. Everything stops at the test's cleanup.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	bins := findBinaries(t, o)
	ports := freePorts(t, 4)
	s := &Server{t: t, Dir: t.TempDir(), Endpoint: fmt.Sprintf("https://127.0.0.1:%d", ports[2])}
	t.Cleanup(s.cleanup)
	s.issue(ports[2])
	root := s.Dir
	s.startEtcd(bins.etcd, ports[0], ports[1])
	s.procs = append(s.procs, startProcess(t, root, "kube-apiserver", bins.apiserver, s.apiserverArgs(ports[0], ports[2])...))
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	start := time.Now()
	s.waitFor(ctx, "kube-apiserver /readyz", s.ready)
	t.Logf("kubeapi: %s ready in %.1fs (dir %s)", s.Endpoint, time.Since(start).Seconds(), s.Dir)
	if o.controllerManager {
		s.startControllerManager(ctx, bins.controllerManager, ports[3])
	}
	return s
}

func (s *Server) startEtcd(bin string, client, peer int) {
	args := s.etcdArgs(client, peer)
	s.procs = append(s.procs, startProcess(s.t, s.Dir, "etcd", bin, args...))
}

// Cluster is the single-node cluster the PKI was issued for: its
// Endpoint is 127.0.0.1:PORT, its only node "local" at 127.0.0.1. Use it
// with PKI.AdminKubeconfig or PKI.NodeFiles to mint more identities.
func (s *Server) Cluster() kube.Cluster { return s.cluster }

// AdminKubeconfig is a kubeconfig of kubernetes-super-admin (group
// system:masters), which needs no RBAC binding.
func (s *Server) AdminKubeconfig() []byte {
	return s.files[kube.KubeDir+"/super-admin.conf"].Data
}

// RESTConfig returns a fresh copy of the admin's client configuration.
func (s *Server) RESTConfig() *rest.Config { return rest.CopyConfig(s.cfg) }

// Client is a clientset authenticated as the admin.
func (s *Server) Client() kubernetes.Interface { return s.client }

// Stop kills the processes (by PID, controller manager first); it is safe
// to call more than once and runs at cleanup anyway.
func (s *Server) Stop() {
	s.stop.Do(func() {
		for i := len(s.procs) - 1; i >= 0; i-- {
			s.procs[i].kill(s.t)
		}
	})
}

func (s *Server) cleanup() {
	if s.t.Failed() {
		s.logTails()
	}
	s.Stop()
}

func (s *Server) logTails() {
	for _, p := range s.procs {
		s.t.Logf("kubeapi: %s (%s), last lines:\n%s", p.name, p.logPath, p.tail(6000))
	}
}

// issue creates the PKI and the node's files for endpoint 127.0.0.1:apiPort
// and writes them under Dir.
func (s *Server) issue(apiPort int) {
	now := time.Now()
	p, err := kube.NewClusterPKI(now)
	if err != nil {
		s.t.Fatalf("kubeapi: %v", err)
	}
	s.PKI = p
	s.cluster = localCluster(apiPort)
	s.files, err = p.NodeFiles(s.cluster, localNode, kube.BootstrapToken{}, now)
	if err != nil {
		s.t.Fatalf("kubeapi: node files: %v", err)
	}
	// The controller manager's kubeconfig names node-ip:6443; ours listens elsewhere.
	if err := retarget(s.files, kube.KubeDir+"/controller-manager.conf", s.Endpoint); err != nil {
		s.t.Fatalf("kubeapi: %v", err)
	}
	if err := writeFiles(s.Dir, s.files); err != nil {
		s.t.Fatalf("kubeapi: %v", err)
	}
	if s.cfg, err = clientcmd.RESTConfigFromKubeConfig(s.AdminKubeconfig()); err != nil {
		s.t.Fatalf("kubeapi: admin kubeconfig: %v", err)
	}
	s.cfg.Timeout = 30 * time.Second
	if s.client, err = kubernetes.NewForConfig(s.cfg); err != nil {
		s.t.Fatalf("kubeapi: client: %v", err)
	}
}

const localNode = "local"

func localCluster(apiPort int) kube.Cluster {
	return kube.Cluster{
		Name: "kubeapi", Version: Version, Endpoint: fmt.Sprintf("127.0.0.1:%d", apiPort),
		ServiceCIDR: netip.MustParsePrefix("10.96.0.0/12"), PodCIDR: netip.MustParsePrefix("10.244.0.0/16"),
		DNSDomain: "cluster.local",
		Nodes: []kube.Node{{Name: localNode, IP: netip.MustParseAddr("127.0.0.1"), Role: kube.RoleControlPlane,
			PodCIDR: netip.MustParsePrefix("10.244.0.0/24")}},
	}
}

// path is where a node path lives under Dir.
func (s *Server) path(p string) string { return filepath.Join(s.Dir, p) }
