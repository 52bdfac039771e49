package journey

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/agent"
	"github.com/slipway-dev/slipway/internal/kube"
	"github.com/slipway-dev/slipway/internal/machine"
	"github.com/slipway-dev/slipway/internal/store"
)

// TestClusterSeed: a cluster member's install carries its node bundle as
// write_files and enables its role's units — whether the cluster lists it
// by name (control plane, worker) or selects it by its labels.
func TestClusterSeed(t *testing.T) {
	f := clusterFixture(t, true)
	var ca []byte
	for _, tt := range []struct {
		name, ip string
		role     kube.Role
	}{
		{"r1-u05", "198.18.0.115", kube.RoleControlPlane},
		{"r1-u06", "198.18.0.116", kube.RoleWorker},
		{"r1-u07", "198.18.0.117", kube.RoleWorker}, // by spec.workers.selector
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, task := f.provision(t, tt.name, macs[tt.name])
			require.Equal(t, agent.ActionInstall, task.Action, task.Reason)
			assert.Len(t, f.events(t, tt.name, agent.EventInstallStart), 1)
			u := parseUserData(t, task.Install.Seed)
			golden(t, "cluster-seed."+string(tt.role)+".golden", u.shape())

			perm, crt := u.file(t, kube.PKIDir+"/ca.crt")
			assert.Equal(t, "0644", perm)
			assert.True(t, strings.HasPrefix(string(crt), "-----BEGIN CERTIFICATE-----"), "ca.crt is a PEM certificate")
			if ca == nil {
				ca = crt
			}
			assert.Equal(t, string(ca), string(crt), "one cluster CA")
			perm, unit := u.file(t, "/etc/systemd/system/kubelet.service")
			assert.Equal(t, "0644", perm)
			assert.Contains(t, string(unit), "--hostname-override="+tt.name)
			assert.Contains(t, string(unit), "--node-ip="+tt.ip)
			assert.Contains(t, string(unit), "of cluster edge-1 (Kubernetes v1.37.2)")
			u.assertSecretModes(t)

			want := append([]string{"systemctl", "enable", "--now", "--no-block"}, kube.Units(kube.Cluster{}, kube.Node{Role: tt.role})...)
			require.NotEmpty(t, u.RunCmd)
			assert.Equal(t, want, u.RunCmd[len(u.RunCmd)-1])
			assert.Contains(t, u.PhoneHome.URL, PhoneHomePath+PhoneHomePrefix)

			perm, caKey := u.file(t, kube.PKIDir+"/ca.key")
			_, bootstrap := u.file(t, kube.KubeDir+"/bootstrap-kubelet.conf")
			if tt.role == kube.RoleControlPlane {
				assert.Equal(t, "0600", perm)
				assert.Contains(t, string(caKey), "PRIVATE KEY", "a control plane signs kubelet CSRs")
				assert.Nil(t, bootstrap, "a control plane has its own kubelet certificate")
				return
			}
			assert.Nil(t, caKey, "a worker never holds the CA key")
			require.NotNil(t, bootstrap, "a worker joins with a bootstrap token")
			server, token := bootstrapKubeconfig(t, bootstrap)
			assert.Equal(t, "https://198.18.0.115:6443", server, "the control plane's API")
			assert.Regexp(t, `^[a-z0-9]{6}\.[a-z0-9]{16}$`, token, "a bootstrap token")
		})
	}
}

// TestClusterPhoneHome: a cluster member's installed OS calling back moves
// it to joining; a machine in no cluster goes active.
func TestClusterPhoneHome(t *testing.T) {
	f := clusterFixture(t, true)
	for _, tt := range []struct {
		name string
		want machine.State
		msg  string
	}{
		{"r1-u05", machine.Joining, "; joining cluster edge-1"},
		{"r1-u07", machine.Joining, "; joining cluster edge-1"},
		{"m1", machine.Active, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sess, task := f.provision(t, tt.name, macs[tt.name])
			require.Equal(t, agent.ActionInstall, task.Action, task.Reason)
			_, err := f.svc.Result(t.Context(), sess, agent.Result{Action: agent.ActionInstall, OK: true, Disk: "/dev/vda",
				Bytes: 64 << 20, SHA256: rawSum})
			require.NoError(t, err)
			require.Equal(t, machine.Provisioned, f.state(t, tt.name))

			tok := phoneHomeToken(t, task.Install.Seed)
			require.NoError(t, f.svc.PhoneHome(t.Context(), req, tok, map[string]string{"hostname": tt.name}))
			assert.Equal(t, tt.want, f.state(t, tt.name))
			evs := f.events(t, tt.name, "state")
			require.NotEmpty(t, evs)
			last := evs[len(evs)-1]
			assert.Equal(t, "phone-home", last.Reason)
			if tt.msg != "" {
				assert.True(t, strings.HasSuffix(last.Message, tt.msg), last.Message)
			} else {
				assert.NotContains(t, last.Message, "joining")
			}
		})
	}
}

// TestClusterRefused: a member of a cluster the appliance cannot build
// fails its install with the reason, before anything of the install is
// written; so does any member when the appliance builds no clusters.
func TestClusterRefused(t *testing.T) {
	for _, tt := range []struct {
		name, machine, cluster string
		clusters               bool
		why                    string
	}{
		{"unsupported version", "r1-u08", "old-1", true, "cluster old-1: kubernetesVersion v1.36.0 is not supported by this appliance"},
		{"no controller: control plane", "r1-u05", "edge-1", false, "r1-u05 is a member of cluster edge-1 but this appliance does not build clusters"},
		{"no controller: selected worker", "r1-u07", "edge-1", false, "r1-u07 is a member of cluster edge-1 but this appliance does not build clusters"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := clusterFixture(t, tt.clusters)
			_, task := f.provision(t, tt.machine, macs[tt.machine])
			assert.Equal(t, agent.ActionPowerOff, task.Action)
			assert.Contains(t, task.Reason, tt.why)
			assert.Nil(t, task.Install)
			m := f.machine(t, tt.machine)
			assert.Equal(t, string(machine.Failed), m.State)
			assert.Contains(t, m.StateReason, tt.why)
			assert.Empty(t, f.events(t, tt.machine, agent.EventInstallStart), "no install was handed out")
			assert.ErrorIs(t, f.clusterRecord(t, tt.cluster), store.ErrNotFound, "no PKI or token was recorded")
			assert.Empty(t, f.sessions(t, tt.machine, store.AgentSessionPhoneHome), "no phone-home token outlives the refusal")
		})
	}
}
