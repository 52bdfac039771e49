// Package cluster is the virtual rack tier of Kubernetes bootstrap (design
// §2 steps 7-8): QEMU machines provisioned from powered off by Slipway with
// the Debian image form a cluster from nothing but what the appliance
// carries (no registry, no internet), the appliance watches it until every
// Node is Ready, and the fleet exporter registers it with a management
// cluster (a real kube-apiserver on the test host).
//
// Gated by SLIPWAY_VM=1 and SLIPWAY_K8S=1 (make e2e-k8s), root, SLIPWAY_BIN,
// the agent, the Debian image and the Kubernetes artifacts (make images).
package cluster

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/test/rack"
)

// inventory declares cluster edge-1 (control plane cp, worker w) in fleet
// edge, exported to Argo CD on the management cluster whose kubeconfig is
// the credentials "mgmt".
func inventory(cp, w string, inFleet bool) string {
	fleetLine, clusters := "", "[]"
	if inFleet {
		fleetLine, clusters = "  fleet: edge\n", "[edge-1]"
	}
	return fmt.Sprintf(`apiVersion: slipway.dev/v1alpha1
kind: Credentials
metadata:
  name: mgmt
spec:
  type: kubeconfig
  description: the management cluster running Argo CD
---
apiVersion: slipway.dev/v1alpha1
kind: Fleet
metadata:
  name: edge
spec:
  description: edge sites
  clusters: %[4]s
  exporters:
    - type: argocd
      credentialsRef: mgmt
    - type: clusterapi
      credentialsRef: mgmt
      namespace: fleet
---
apiVersion: slipway.dev/v1alpha1
kind: Cluster
metadata:
  name: edge-1
spec:
  kubernetesVersion: v1.37.2
  controlPlane:
    machines: [%[1]s]
  workers:
    machines: [%[2]s]
%[3]s`, cp, w, fleetLine, clusters)
}

// sshKey makes a key pair in dir and returns the private key path and the
// public key line (authorized on the installed machines, for debugging).
func sshKey(t *testing.T, dir string) (string, string) {
	t.Helper()
	key := filepath.Join(dir, "id_ed25519")
	out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "slipway-e2e", "-f", key).CombinedOutput()
	if err != nil {
		t.Fatalf("ssh-keygen: %v: %s", err, out)
	}
	pub, err := os.ReadFile(key + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	return key, strings.TrimSpace(string(pub))
}

// nodeShell runs a command on an installed machine over SSH from inside
// the rack's namespace (for diagnostics).
func nodeShell(ctx context.Context, r *rack.Rack, key, ip, command string) string {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	out, err := r.NS.Run(ctx, "ssh", "-i", key, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
		"-o", "ConnectTimeout=10", "-o", "BatchMode=yes", "root@"+ip, command)
	if err != nil {
		return fmt.Sprintf("ssh %s %q: %v\n%s", ip, command, err, out)
	}
	return out
}

// dialer dials from inside the rack's namespace (the cluster's API is on
// the rack's bridge).
func dialer(r *rack.Rack) func(context.Context, string, string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (c net.Conn, err error) {
		err = r.NS.Do(func() (err error) {
			c, err = (&net.Dialer{Timeout: 10 * time.Second}).DialContext(ctx, network, addr)
			return err
		})
		return c, err
	}
}
