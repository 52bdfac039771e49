package journey

import (
	"crypto/rand"
	"encoding/base64"
	"flag"
	"github.com/slipway-dev/slipway/internal/kube/kubetest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	yaml "go.yaml.in/yaml/v3"

	"github.com/slipway-dev/slipway/internal/agent"
	"github.com/slipway-dev/slipway/internal/fleet"
	"github.com/slipway-dev/slipway/internal/kube"
	"github.com/slipway-dev/slipway/internal/machine"
	"github.com/slipway-dev/slipway/internal/secret"
	"github.com/slipway-dev/slipway/internal/store"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// testCAPEM stands in for the appliance's CA in the seeds (the nodes' renewal trusts it).
const testCAPEM = "-----BEGIN CERTIFICATE-----\nTEST\n-----END CERTIFICATE-----\n"

// clusterSite declares, on the site's lab network: cluster edge-1 with
// control plane r1-u05 and worker r1-u06 listed by name and r1-u07 a worker
// by its labels (spec.workers.selector); r1-u08 the control plane of old-1,
// whose version the appliance has no binaries for. None names its cluster
// in spec.cluster.
const clusterSite = `apiVersion: slipway.dev/v1alpha1
kind: Machine
metadata: {name: r1-u05}
spec: {mac: "52:54:00:77:01:05", network: lab, ip: 198.18.0.115, image: tiny}
---
apiVersion: slipway.dev/v1alpha1
kind: Machine
metadata: {name: r1-u06}
spec: {mac: "52:54:00:77:01:06", network: lab, ip: 198.18.0.116, image: tiny}
---
apiVersion: slipway.dev/v1alpha1
kind: Machine
metadata: {name: r1-u07, labels: {pool: edge}}
spec: {mac: "52:54:00:77:01:07", network: lab, ip: 198.18.0.117, image: tiny}
---
apiVersion: slipway.dev/v1alpha1
kind: Machine
metadata: {name: r1-u08}
spec: {mac: "52:54:00:77:01:08", network: lab, ip: 198.18.0.118, image: tiny}
---
apiVersion: slipway.dev/v1alpha1
kind: Cluster
metadata: {name: edge-1}
spec:
  kubernetesVersion: v1.37.2
  controlPlane: {machines: [r1-u05]}
  workers: {machines: [r1-u06], selector: {pool: edge}}
---
apiVersion: slipway.dev/v1alpha1
kind: Cluster
metadata: {name: old-1}
spec:
  kubernetesVersion: v1.36.0
  controlPlane: {machines: [r1-u08]}
`

// macs of clusterSite's machines.
var macs = map[string]string{"r1-u05": "52:54:00:77:01:05", "r1-u06": "52:54:00:77:01:06",
	"r1-u07": "52:54:00:77:01:07", "r1-u08": "52:54:00:77:01:08", "m1": "52:54:00:77:00:05"}

// fakeArtifacts is a fake artifacts cache supporting v1.37.2 only.
func fakeArtifacts(t *testing.T) string { return kubetest.FakeArtifacts(t, "v1.37.2") }

// clusterFixture is the site plus clusterSite, served by a service whose
// Clusters is a real fleet controller (clusters: false leaves it nil).
func clusterFixture(t *testing.T, clusters bool) *fixture {
	t.Helper()
	f := newFixture(t)
	f.apply(t, clusterSite)
	if !clusters {
		return f
	}
	key := make([]byte, 32)
	_, err := rand.Read(key)
	require.NoError(t, err)
	keys, err := secret.New(key)
	require.NoError(t, err)
	ctl, err := fleet.New(fleet.Config{Keys: keys, ArtifactsDir: fakeArtifacts(t)}, f.db, nil)
	require.NoError(t, err)
	f.svc, err = New(Config{BootPort: "8080", Clusters: ctl, CAPEM: []byte(testCAPEM)}, f.db, nil)
	require.NoError(t, err)
	return f
}

// userData is the part of a seed's #cloud-config the tests read.
type userData struct {
	WriteFiles []struct {
		Path        string `yaml:"path"`
		Permissions string `yaml:"permissions"`
		Owner       string `yaml:"owner"`
		Encoding    string `yaml:"encoding"`
		Content     string `yaml:"content"`
	} `yaml:"write_files"`
	RunCmd    [][]string `yaml:"runcmd"`
	PhoneHome struct {
		URL string `yaml:"url"`
	} `yaml:"phone_home"`
}

func parseUserData(t *testing.T, seed *agent.Seed) userData {
	t.Helper()
	require.NotNil(t, seed)
	require.True(t, strings.HasPrefix(seed.UserData, "#cloud-config\n"), "user-data starts with #cloud-config")
	var u userData
	require.NoError(t, yaml.Unmarshal([]byte(seed.UserData), &u), "user-data is YAML")
	return u
}

// file is the permissions and decoded content of path ("" and nil: absent).
func (u userData) file(t *testing.T, path string) (string, []byte) {
	t.Helper()
	for _, f := range u.WriteFiles {
		if f.Path == path {
			require.Equal(t, "b64", f.Encoding, path)
			require.Equal(t, "root:root", f.Owner, path)
			b, err := base64.StdEncoding.DecodeString(f.Content)
			require.NoError(t, err, path)
			return f.Permissions, b
		}
	}
	return "", nil
}

// shape is what a role's seed writes and runs, without the contents (keys
// and tokens differ on every install): "PERM PATH" lines, then the runcmd.
func (u userData) shape() string {
	var b strings.Builder
	for _, f := range u.WriteFiles {
		b.WriteString(f.Permissions + " " + f.Path + "\n")
	}
	for _, c := range u.RunCmd {
		b.WriteString("runcmd: " + strings.Join(c, " ") + "\n")
	}
	return b.String()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "go test ./internal/journey -run %s -update", t.Name())
	assert.Equal(t, string(want), got)
}

func (f *fixture) clusterRecord(t *testing.T, name string) error {
	t.Helper()
	return f.db.View(t.Context(), func(tx *store.Tx) error {
		_, err := tx.GetClusterRecord(name)
		return err
	})
}

func (f *fixture) sessions(t *testing.T, name, kind string) []store.AgentSession {
	t.Helper()
	var ss []store.AgentSession
	require.NoError(t, f.db.View(t.Context(), func(tx *store.Tx) (err error) {
		ss, err = tx.LiveAgentSessions(name, kind)
		return err
	}))
	return ss
}

func (f *fixture) state(t *testing.T, name string) machine.State {
	t.Helper()
	return machine.State(f.machine(t, name).State)
}

// assertSecretModes: keys, kubeconfigs and the kubelet's client
// certificate (with its key) are written 0600.
func (u userData) assertSecretModes(t *testing.T) {
	t.Helper()
	for _, w := range u.WriteFiles {
		if strings.HasSuffix(w.Path, ".key") || w.Path == kube.KubeletClientFile ||
			strings.HasPrefix(w.Path, kube.KubeDir+"/") && strings.HasSuffix(w.Path, ".conf") {
			assert.Equal(t, "0600", w.Permissions, "%s is a secret", w.Path)
		}
	}
}

// bootstrapKubeconfig is the API server and token of a worker's
// bootstrap-kubelet.conf.
func bootstrapKubeconfig(t *testing.T, b []byte) (server, token string) {
	t.Helper()
	var kc struct {
		Clusters []struct {
			Cluster struct {
				Server string `yaml:"server"`
			} `yaml:"cluster"`
		} `yaml:"clusters"`
		Users []struct {
			User struct {
				Token string `yaml:"token"`
			} `yaml:"user"`
		} `yaml:"users"`
	}
	require.NoError(t, yaml.Unmarshal(b, &kc), "bootstrap-kubelet.conf is a kubeconfig")
	require.Len(t, kc.Clusters, 1)
	require.Len(t, kc.Users, 1)
	return kc.Clusters[0].Cluster.Server, kc.Users[0].User.Token
}
