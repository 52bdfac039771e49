package cluster

import (
	"context"
	"crypto/tls"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/slipway-dev/slipway/internal/fleet"
	"github.com/slipway-dev/slipway/internal/kube"
	"github.com/slipway-dev/slipway/test/journey"
	"github.com/slipway-dev/slipway/test/kubeapi"
	"github.com/slipway-dev/slipway/test/rack"
)

// formTimeout bounds powered off → every Node Ready for two Debian
// machines under TCG (install ~4 min each, boot, Kubernetes start).
const formTimeout = 40 * time.Minute

// TestClusterFromPoweredOff: one control-plane and one worker machine,
// powered off, are provisioned by Slipway and form cluster edge-1; both
// Nodes become Ready and the machines active; a pod of a locally built
// image runs on the worker and answers the control-plane node; the fleet
// exporters write the Argo CD and Cluster API Secrets into a separate
// management apiserver, and remove them when the cluster leaves the fleet.
func TestClusterFromPoweredOff(t *testing.T) {
	if os.Getenv("SLIPWAY_K8S") != "1" {
		t.Skip("set SLIPWAY_K8S=1 (make e2e-k8s): two Debian machines form a cluster (~20 min under TCG)")
	}
	bin := rack.Require(t)
	img := rack.RequireImages(t, "debian")
	artifacts := filepath.Join(rack.RepoRoot(), ".cache")
	if _, err := kube.LoadArtifacts(artifacts, "kube", kubeapi.Version, kube.KubeBinaries); err != nil {
		t.Skipf("%v", err)
	}
	mgmt := kubeapi.Start(t) // the management cluster (Argo CD's, in real life)

	cp, w := rack.MachineAt(5, "bios"), rack.MachineAt(6, "bios")
	cp.DiskGiB, cp.MemoryMiB, cp.CPUs = 8, 3072, 2
	w.DiskGiB, w.MemoryMiB = 8, 2048
	dir := t.TempDir()
	key, pub := sshKey(t, dir)
	r := rack.New(t, rack.Config{Slipway: bin, AgentDir: rack.AgentDir(), Image: &img, KubeArtifacts: artifacts,
		SSHKeys: []string{pub}, Machines: []rack.Machine{cp, w}})
	ctx := t.Context()
	t.Cleanup(func() {
		if t.Failed() {
			for _, m := range []rack.Machine{cp, w} {
				t.Logf("=== %s:\n%s", m.Name, nodeShell(context.Background(), r, key, m.IP(),
					"systemctl --no-pager --failed; journalctl --no-pager -n 60 -u kubelet -u containerd -u kube-apiserver -u etcd; cloud-init status --long"))
			}
			out, _ := r.CLI(context.Background(), "describe", "cluster", "edge-1")
			t.Logf("slipway describe cluster edge-1:\n%s", out)
		}
	})

	// The management cluster is on the test host's loopback: reachable
	// from the appliance's namespace at the same address.
	_, stop, err := r.NS.ForwardOut(strings.TrimPrefix(mgmt.Endpoint, "https://"), strings.TrimPrefix(mgmt.Endpoint, "https://"))
	require.NoError(t, err)
	t.Cleanup(stop)
	mgmtFile := filepath.Join(dir, "mgmt.kubeconfig")
	require.NoError(t, os.WriteFile(mgmtFile, mgmt.AdminKubeconfig(), 0o600))
	_, err = r.CLI(ctx, "create", "credentials", "mgmt", "--kubeconfig", mgmtFile)
	require.NoError(t, err)
	invFile := filepath.Join(dir, "cluster.yaml")
	require.NoError(t, os.WriteFile(invFile, []byte(inventory(cp.Name, w.Name, true)), 0o644))
	_, err = r.CLI(ctx, "apply", "-f", invFile)
	require.NoError(t, err)

	start := time.Now()
	_, err = r.CLI(ctx, "provision", cp.Name, w.Name)
	require.NoError(t, err)
	seen := waitActive(t, ctx, r, formTimeout, cp.Name, w.Name)
	ready := time.Now()
	booted := later(seen[cp.Name]["booting"], seen[w.Name]["booting"])
	home := later(seen[cp.Name]["joining"], seen[w.Name]["joining"])
	require.False(t, seen[cp.Name]["joining"].IsZero() || seen[w.Name]["joining"].IsZero(),
		"both machines go through joining (phoned home, Kubernetes starting) before active: %v", seen)
	fmt.Printf("\ncluster edge-1 (1 control plane + 1 worker, Debian image, TCG): powered off → all Nodes Ready %s;"+
		" booted from disk (last machine) → all Nodes Ready %s; phoned home (last) → all Nodes Ready %s\n",
		ready.Sub(start).Round(time.Second), ready.Sub(booted).Round(time.Second), ready.Sub(home).Round(time.Second))

	out, err := r.CLI(ctx, "get", "clusters")
	require.NoError(t, err)
	t.Logf("slipway get clusters:\n%s", out)
	assert.Regexp(t, `edge-1\s+v1\.37\.2\s+ready\s+2/2`, out)
	out, err = r.CLI(ctx, "get", "fleet")
	require.NoError(t, err)
	t.Logf("slipway get fleet:\n%s", out)
	assert.Contains(t, out, "edge-1")

	cs := adminClient(t, ctx, r, dir)
	nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	require.Len(t, nodes.Items, 2)
	for _, n := range nodes.Items {
		assert.Equal(t, "v1.37.2", n.Status.NodeInfo.KubeletVersion, n.Name)
		assert.Contains(t, n.Status.NodeInfo.ContainerRuntimeVersion, "containerd://2.2", n.Name)
	}
	podServesControlPlane(t, ctx, cs, cp.Name, w.Name)
	screenshots(t, ctx, r, cp.Name)
	renewal(t, ctx, r, cs, key, cp)
	exported(t, ctx, r, mgmt.Client(), invFile, cp.Name, w.Name)
}

// waitActive polls both machines until they are active and returns when
// each was first seen in each state.
func waitActive(t *testing.T, ctx context.Context, r *rack.Rack, timeout time.Duration, names ...string) map[string]map[string]time.Time {
	t.Helper()
	seen := map[string]map[string]time.Time{}
	deadline := time.Now().Add(timeout)
	for {
		active := 0
		for _, n := range names {
			m, err := journey.Machine(ctx, r, n)
			if err != nil {
				continue
			}
			if seen[n] == nil {
				seen[n] = map[string]time.Time{}
			}
			if _, ok := seen[n][m.State]; !ok {
				seen[n][m.State] = time.Now()
				t.Logf("%s: %s (%s)", n, m.State, m.Phase)
			}
			require.NotEqual(t, "failed", m.State, "%s failed in %s: %s", n, m.FailedStage, m.StateReason)
			if m.State == "active" {
				active++
			}
		}
		if active == len(names) {
			return seen
		}
		if time.Now().After(deadline) {
			out, _ := r.CLI(ctx, "describe", "cluster", "edge-1")
			t.Fatalf("machines not active after %s:\n%s", timeout, out)
		}
		time.Sleep(2 * time.Second) // polling the appliance through the CLI, as a user would
	}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// adminClient gets a kubeconfig with `slipway kubeconfig cluster` and a
// client that reaches the API on the rack's bridge.
func adminClient(t *testing.T, ctx context.Context, r *rack.Rack, dir string) kubernetes.Interface {
	t.Helper()
	file := filepath.Join(dir, "edge-1.kubeconfig")
	_, err := r.CLI(ctx, "kubeconfig", "cluster", "edge-1", "--ttl", "1h", "-o", file)
	require.NoError(t, err)
	st, err := os.Stat(file)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	cfg, err := clientcmd.RESTConfigFromKubeConfig(data)
	require.NoError(t, err)
	cfg.Dial, cfg.Timeout = dialer(r), 30*time.Second
	cs, err := kubernetes.NewForConfig(cfg)
	require.NoError(t, err)
	return cs
}

// podServesControlPlane runs the probe image (preloaded, never pulled) as
// a server pod on the worker and, on the control-plane node's host
// network, a client pod that fetches from the server pod's IP.
func podServesControlPlane(t *testing.T, ctx context.Context, cs kubernetes.Interface, cp, worker string) {
	t.Helper()
	pods := cs.CoreV1().Pods(metav1.NamespaceDefault)
	server := probePod("probe-server", worker, false, "serve", "-listen", ":8080")
	_, err := pods.Create(ctx, server, metav1.CreateOptions{})
	require.NoError(t, err)
	var ip string
	require.Eventually(t, func() bool {
		p, err := pods.Get(ctx, server.Name, metav1.GetOptions{})
		if err == nil && p.Status.Phase == corev1.PodRunning && p.Status.PodIP != "" {
			ip = p.Status.PodIP
			return true
		}
		return false
	}, 5*time.Minute, 2*time.Second, "probe-server never ran on %s", worker)
	client := probePod("probe-client", cp, true, "get", "http://"+ip+":8080/")
	client.Spec.RestartPolicy = corev1.RestartPolicyNever
	_, err = pods.Create(ctx, client, metav1.CreateOptions{})
	require.NoError(t, err)
	var phase corev1.PodPhase
	require.Eventually(t, func() bool {
		p, err := pods.Get(ctx, client.Name, metav1.GetOptions{})
		if err == nil {
			phase = p.Status.Phase
		}
		return phase == corev1.PodSucceeded || phase == corev1.PodFailed
	}, 5*time.Minute, 2*time.Second, "probe-client did not finish")
	logs, err := pods.GetLogs(client.Name, &corev1.PodLogOptions{}).DoRaw(ctx)
	t.Logf("probe-client on %s fetched http://%s:8080/ (pod on %s): phase %s, output %q (logs err %v)", cp, ip, worker, phase, logs, err)
	require.Equal(t, corev1.PodSucceeded, phase)
	if err == nil {
		assert.Contains(t, string(logs), "probe probe-server")
	}
}

func probePod(name, node string, hostNet bool, args ...string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PodSpec{
			NodeName: node, HostNetwork: hostNet,
			Tolerations: []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
			Containers: []corev1.Container{{Name: "probe", Image: kube.ProbeImage, Args: args,
				ImagePullPolicy: corev1.PullNever}},
		},
	}
}

// exported checks the fleet exporters' Secrets on the management cluster,
// then takes the cluster out of the fleet and waits for them to go.
func exported(t *testing.T, ctx context.Context, r *rack.Rack, mgmt kubernetes.Interface, invFile, cp, w string) {
	t.Helper()
	var argo *corev1.Secret
	require.Eventually(t, func() bool {
		s, err := mgmt.CoreV1().Secrets("argocd").Get(ctx, fleet.ArgoCDSecretName("edge-1"), metav1.GetOptions{})
		argo = s
		return err == nil
	}, 2*time.Minute, time.Second, "no Argo CD cluster Secret on the management cluster")
	assert.Equal(t, "cluster", argo.Labels["argocd.argoproj.io/secret-type"])
	assert.Equal(t, "https://"+rack.MachineAt(5, "bios").IP()+":6443", string(argo.Data["server"]))
	capi, err := mgmt.CoreV1().Secrets("fleet").Get(ctx, fleet.CAPISecretName("edge-1"), metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, fleet.CAPISecretType, capi.Type)

	require.NoError(t, os.WriteFile(invFile, []byte(inventory(cp, w, false)), 0o644))
	_, err = r.CLI(ctx, "apply", "-f", invFile)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		_, err := mgmt.CoreV1().Secrets("argocd").Get(ctx, fleet.ArgoCDSecretName("edge-1"), metav1.GetOptions{})
		return apierrors.IsNotFound(err)
	}, 2*time.Minute, time.Second, "the Argo CD Secret stayed after the cluster left the fleet")
	_, err = mgmt.CoreV1().Secrets("fleet").Get(ctx, fleet.CAPISecretName("edge-1"), metav1.GetOptions{})
	assert.True(t, apierrors.IsNotFound(err), "the Cluster API Secret stayed: %v", err)
}

// screenshots saves the fleet, clusters and control-plane machine pages of
// the real cluster in .cache/screenshots/cluster.
func screenshots(t *testing.T, ctx context.Context, r *rack.Rack, cp string) {
	t.Helper()
	jdir, err := journey.ScreenshotDir()
	require.NoError(t, err)
	dir := filepath.Join(filepath.Dir(jdir), "cluster")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	files, err := journey.ScreenshotPages(ctx, r, dir, journey.Page{Path: "/fleet", Name: "fleet"},
		journey.Page{Path: "/clusters", Name: "clusters"}, journey.Page{Path: "/machines/" + cp, Name: "machine-" + cp})
	if os.Getenv("SLIPWAY_TEST_BROWSER") == "require" {
		require.NoError(t, err)
	} else if err != nil {
		t.Logf("no UI screenshots: %v", err)
	}
	t.Logf("UI screenshots of the real cluster: %v", files)
}

// renewal asks for a renewal with `slipway renew cluster`, runs the
// control-plane node's renewal service at once (its timer would within the
// hour) and checks that the apiserver now serves a new certificate and the
// cluster is still Ready.
func renewal(t *testing.T, ctx context.Context, r *rack.Rack, cs kubernetes.Interface, key string, cp rack.Machine) {
	t.Helper()
	addr := cp.IP() + ":6443"
	before := servingSerial(t, r, addr)
	_, err := r.CLI(ctx, "renew", "cluster", "edge-1")
	require.NoError(t, err)
	// --no-block: the renewal restarts etcd and the control plane, which
	// takes longer than an SSH session should wait under TCG.
	out := nodeShell(ctx, r, key, cp.IP(), "systemctl start --no-block slipway-renew.service")
	t.Logf("slipway-renew started on %s: %s", cp.Name, out)
	t.Cleanup(func() {
		t.Logf("slipway-renew on %s:\n%s", cp.Name, nodeShell(context.Background(), r, key, cp.IP(), "journalctl --no-pager -n 20 -u slipway-renew.service"))
	})
	require.Eventually(t, func() bool {
		s, err := trySerial(r, addr)
		return err == nil && s != before
	}, 3*time.Minute, 2*time.Second, "kube-apiserver still serves certificate %s after the renewal", before)
	require.NoError(t, journey.WaitEvent(ctx, r, cp.Name, "cluster.cert-renewed", time.Minute))
	require.Eventually(t, func() bool {
		nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil || len(nodes.Items) != 2 {
			return false
		}
		for _, n := range nodes.Items {
			for _, c := range n.Status.Conditions {
				if c.Type == corev1.NodeReady && c.Status != corev1.ConditionTrue {
					return false
				}
			}
		}
		return true
	}, 5*time.Minute, 2*time.Second, "the cluster is not Ready after the renewal")
	t.Logf("renewal: kube-apiserver's serving certificate %s → %s, both Nodes Ready", before, servingSerial(t, r, addr))
}

func servingSerial(t *testing.T, r *rack.Rack, addr string) string {
	t.Helper()
	s, err := trySerial(r, addr)
	require.NoError(t, err)
	return s
}

// trySerial is the serial number of the certificate addr serves (read
// from inside the rack's namespace; not verified: only compared).
func trySerial(r *rack.Rack, addr string) (string, error) {
	conn, err := dialer(r)(context.Background(), "tcp", addr)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	tc := tls.Client(conn, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // only the serial is read
	if err := tc.Handshake(); err != nil {
		return "", err
	}
	return tc.ConnectionState().PeerCertificates[0].SerialNumber.Text(16), nil
}
