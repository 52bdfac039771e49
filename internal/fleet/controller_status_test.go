package fleet

import (
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/machine"
	"github.com/slipway-dev/slipway/internal/store"
)

const stuckAfter = 10 * time.Minute

// closedPort is a loopback port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

func TestPhasePendingProvisioning(t *testing.T) {
	f := newCtl(t, Config{StuckAfter: stuckAfter})
	f.apply(t, siteYAML("198.18.0.0/24", "cp1=198.18.0.11", "w1=198.18.0.21")+clusterYAML("edge-1", "cp1", "w1", "", ""))

	st := f.reconcile(t, "edge-1")
	assert.Equal(t, PhasePending, st.Phase)
	assert.Contains(t, st.Message, "slipway provision cp1 w1")
	assert.Equal(t, 2, st.NodesTotal)
	assert.Equal(t, "198.18.0.11:6443", st.Endpoint)

	f.to(t, "cp1", toProvisioning...)
	st = f.reconcile(t, "edge-1")
	assert.Equal(t, PhaseProvisioning, st.Phase)
	assert.Contains(t, st.Message, "cp1 provisioning for")
	assert.Nil(t, st.Stuck)
	assert.False(t, st.API.Ready)
	assert.Len(t, f.events(t, "", "cluster.phase"), 2, "new → pending → provisioning")
}

// TestPhaseStuckBooting: a control plane that never phones home makes the
// cluster stuck, named once in an event while the clock keeps moving.
func TestPhaseStuckBooting(t *testing.T) {
	f := newCtl(t, Config{StuckAfter: stuckAfter})
	f.apply(t, siteYAML("198.18.0.0/24", "cp1=198.18.0.11")+clusterYAML("edge-1", "cp1", "", "", ""))
	f.to(t, "cp1", toBooting...)

	st := f.reconcile(t, "edge-1")
	require.Equal(t, PhaseProvisioning, st.Phase)
	assert.Empty(t, f.events(t, "cp1", "cluster.stuck"))

	f.clock.advance(stuckAfter + time.Minute)
	st = f.reconcile(t, "edge-1")
	require.Equal(t, PhaseStuck, st.Phase)
	require.NotNil(t, st.Stuck)
	assert.Equal(t, "cp1", st.Stuck.Machine)
	assert.Equal(t, PhaseProvisioning, st.Stuck.Phase)
	assert.Contains(t, st.Stuck.Reason, "without phoning home")
	assert.Contains(t, st.Stuck.Reason, "control plane cp1 has been booting for")
	evs := f.events(t, "cp1", "cluster.stuck")
	require.Len(t, evs, 1)
	assert.Contains(t, evs[0].Message, "without phoning home")

	for range 3 { // the controller's next reconciles, Interval apart
		f.clock.advance(DefaultInterval)
		assert.Equal(t, PhaseStuck, f.reconcile(t, "edge-1").Phase)
	}
	assert.Len(t, f.events(t, "cp1", "cluster.stuck"), 1, "raised once, not on every reconcile")
}

func TestPhaseStuckFailed(t *testing.T) {
	f := newCtl(t, Config{StuckAfter: stuckAfter})
	f.apply(t, siteYAML("198.18.0.0/24", "cp1=198.18.0.11", "w1=198.18.0.21")+clusterYAML("edge-1", "cp1", "w1", "", ""))
	f.to(t, "cp1", machine.Provision, machine.Fail)

	st := f.reconcile(t, "edge-1")
	require.Equal(t, PhaseStuck, st.Phase)
	require.NotNil(t, st.Stuck)
	assert.Equal(t, "cp1", st.Stuck.Machine)
	assert.Equal(t, "control plane cp1 failed: in provisioning: sha256 mismatch on /dev/vda", st.Stuck.Reason)
	assert.Equal(t, st.Stuck.Reason, st.Message)
	f.clock.advance(DefaultInterval)
	f.reconcile(t, "edge-1")
	assert.Len(t, f.events(t, "cp1", "cluster.stuck"), 1)
}

// TestPhaseStarting: the control plane phoned home but its API does not
// answer (nothing listens on the endpoint): starting, then stuck with the
// API's error.
func TestPhaseStarting(t *testing.T) {
	f := newCtl(t, Config{StuckAfter: stuckAfter})
	ep := closedPort(t)
	f.apply(t, siteYAML("198.18.0.0/24", "cp1=198.18.0.11")+clusterYAML("edge-1", "cp1", "", ep, ""))
	f.to(t, "cp1", toJoining...)

	st := f.reconcile(t, "edge-1")
	require.Equal(t, PhaseStarting, st.Phase, st.Message)
	assert.Equal(t, ep, st.Endpoint)
	assert.False(t, st.API.Ready)
	assert.Contains(t, st.API.Error, "connection refused")
	assert.Contains(t, st.Message, "waiting for https://"+ep+"/readyz")
	assert.True(t, st.Heartbeat.IsZero())

	f.clock.advance(stuckAfter + time.Minute)
	st = f.reconcile(t, "edge-1")
	require.Equal(t, PhaseStuck, st.Phase)
	require.NotNil(t, st.Stuck)
	assert.Equal(t, PhaseStarting, st.Stuck.Phase)
	assert.Equal(t, "cp1", st.Stuck.Machine)
	assert.Contains(t, st.Stuck.Reason, "the API at https://"+ep+" is not ready")
	assert.Contains(t, st.Stuck.Reason, "connection refused")
	f.clock.advance(DefaultInterval)
	f.reconcile(t, "edge-1")
	assert.Len(t, f.events(t, "cp1", "cluster.stuck"), 1)
}

// TestPhaseRefused: a declaration the appliance cannot build is a phase,
// not a reconcile error.
func TestPhaseRefused(t *testing.T) {
	f := newCtl(t, Config{StuckAfter: stuckAfter})
	f.apply(t, siteYAML("198.18.0.0/24", "cp1=198.18.0.11")+clusterYAML("edge-1", "cp1", "", "", "v1.31.4"))
	st := f.reconcile(t, "edge-1")
	assert.Equal(t, PhaseRefused, st.Phase)
	assert.Contains(t, st.Message, "kubernetesVersion v1.31.4 is not supported")
}

// TestForgetDeleted: a cluster no longer declared loses its record (and
// with it its PKI) on the next reconcile, with an event.
func TestForgetDeleted(t *testing.T) {
	f := newCtl(t, Config{StuckAfter: stuckAfter})
	f.apply(t, siteYAML("198.18.0.0/24", "cp1=198.18.0.11")+clusterYAML("edge-1", "cp1", "", "", ""))
	_, err := f.seed(t, "cp1", "edge-1")
	require.NoError(t, err)
	require.NoError(t, inventory.Delete(t.Context(), f.db, inventory.Key{Kind: inventory.KindCluster, Name: "edge-1"}, 0, "test"))

	require.NoError(t, f.c.Reconcile(t.Context()))
	require.NoError(t, f.db.View(t.Context(), func(tx *store.Tx) error {
		_, err := tx.GetClusterRecord("edge-1")
		assert.ErrorIs(t, err, store.ErrNotFound)
		return nil
	}))
	evs := f.events(t, "", "cluster.deleted")
	require.Len(t, evs, 1)
	assert.Contains(t, evs[0].Message, "cluster edge-1 is no longer declared")
}
