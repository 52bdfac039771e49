package fleet

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/kube"
	"github.com/slipway-dev/slipway/internal/machine"
	"github.com/slipway-dev/slipway/internal/store"
)

// renewal runs Renewal for machine holding set serial in its own transaction.
func (f *ctl) renewal(t testing.TB, machineName string, serial int) (*Renewal, error) {
	t.Helper()
	var out *Renewal
	err := f.db.Update(t.Context(), func(tx *store.Tx) (err error) {
		out, err = f.c.Renewal(tx, machineName, RenewRequest{Serial: serial})
		return err
	})
	return out, err
}

// joinedEdge1 is edge1 with both members seeded and joining.
func joinedEdge1(t *testing.T) *ctl {
	t.Helper()
	f := edge1(t)
	for _, m := range []string{"cp1", "w1"} {
		_, err := f.seed(t, m, "edge-1")
		require.NoError(t, err)
		f.to(t, m, toJoining...)
	}
	return f
}

func paths(r *Renewal) []string {
	var out []string
	for _, f := range r.Files {
		out = append(out, f.Path)
	}
	return out
}

func TestRenewalOnRequest(t *testing.T) {
	f := joinedEdge1(t)
	for _, m := range []string{"cp1", "w1"} {
		r, err := f.renewal(t, m, 0)
		require.NoError(t, err)
		assert.Nil(t, r, "%s holds its install's set: nothing is due", m)
	}
	before := f.record(t, "edge-1").st.Certs["node/cp1"]

	at, err := f.c.Renew(t.Context(), "edge-1", "alice")
	require.NoError(t, err)
	assert.Equal(t, at, f.record(t, "edge-1").st.RenewRequested)
	require.Len(t, f.events(t, "", "cluster.renew-requested"), 1)

	r, err := f.renewal(t, "cp1", 0)
	require.NoError(t, err)
	require.NotNil(t, r)
	assert.Equal(t, 1, r.Serial)
	assert.Equal(t, kube.RenewUnits(kube.Node{Role: kube.RoleControlPlane}), r.Restart)
	ps := paths(r)
	assert.Contains(t, ps, kube.PKIDir+"/apiserver.crt")
	assert.Contains(t, ps, kube.KubeDir+"/admin.conf")
	assert.Equal(t, kube.RenewSerialFile, ps[len(ps)-1], "the serial is written last")
	assert.Equal(t, "1\n", string(r.Files[len(r.Files)-1].Data))
	for _, file := range r.Files {
		assert.False(t, strings.HasSuffix(file.Path, "ca.key") || strings.HasSuffix(file.Path, "sa.key"), file.Path)
		want := "0644"
		if strings.HasSuffix(file.Path, ".key") || strings.HasSuffix(file.Path, ".conf") || strings.HasSuffix(file.Path, ".pem") {
			want = "0600"
		}
		assert.Equal(t, want, file.Mode, file.Path)
	}
	rec := f.record(t, "edge-1")
	assert.Equal(t, 1, rec.st.Issued["cp1"].Serial)
	assert.False(t, rec.st.Certs["node/cp1"].Before(before), "the new expiry is recorded")
	evs := f.events(t, "cp1", "cluster.cert-renewed")
	require.Len(t, evs, 1)
	assert.Contains(t, evs[0].Message, "renewal requested")

	again, err := f.renewal(t, "cp1", 1)
	require.NoError(t, err)
	assert.Nil(t, again, "the request is served once per node")

	rebooted, err := f.renewal(t, "cp1", 0)
	require.NoError(t, err)
	require.NotNil(t, rebooted, "a reboot brought back the install's set: the node gets a current one")
	assert.Equal(t, 2, rebooted.Serial)

	w, err := f.renewal(t, "w1", 0)
	require.NoError(t, err)
	require.NotNil(t, w)
	assert.Equal(t, []string{kube.KubeDir + "/kube-proxy.conf", kube.KubeDir + "/kubelet.conf", kube.PKIDir + "/ca.crt",
		kube.KubeletClientFile, kube.RenewSerialFile}, paths(w))
	assert.Equal(t, []string{"kubelet.service", "kube-proxy.service"}, w.Restart)
}

func TestRenewalWhenExpiring(t *testing.T) {
	f := joinedEdge1(t)
	soon := time.Now().Add(10 * 24 * time.Hour).UTC()
	f.update(t, "edge-1", func(r *record) { r.st.Certs["node/cp1"] = soon })
	r, err := f.renewal(t, "cp1", 0)
	require.NoError(t, err)
	require.NotNil(t, r)
	assert.Contains(t, r.Why, "expire on "+soon.Format(time.DateOnly))
	exp := f.record(t, "edge-1").st.Certs["node/cp1"]
	assert.WithinDuration(t, time.Now().Add(kube.CertValidity), exp, time.Minute)
	st := f.reconcile(t, "edge-1")
	assert.NotContains(t, st.Expiring, "node/cp1", "renewed: no longer in the warning window")

	// a new set that cannot outlive the CA does not make the node ask hourly
	f.update(t, "edge-1", func(r *record) { r.st.Certs["node/cp1"] = r.pki.CA.Cert.NotAfter })
	f.c.cfg.ExpiryWarning = kube.CAValidity
	again, err := f.renewal(t, "cp1", 1)
	require.NoError(t, err)
	assert.Nil(t, again)
}

func TestRenewalOfJoinedWorker(t *testing.T) {
	f := joinedEdge1(t)
	f.update(t, "edge-1", func(r *record) {
		ts := r.st.Tokens["w1"]
		ts.Revoked = true
		r.st.Tokens["w1"] = ts
	})
	r, err := f.renewal(t, "w1", 0)
	require.NoError(t, err)
	require.NotNil(t, r, "a joined worker gets a kubelet identity that survives a reboot")
	assert.Contains(t, paths(r), kube.KubeletClientFile)
	assert.Contains(t, r.Why, "worker joined")
	again, err := f.renewal(t, "w1", 1)
	require.NoError(t, err)
	assert.Nil(t, again)
}

func TestRenewalRefused(t *testing.T) {
	f := newCtl(t, Config{})
	f.apply(t, siteYAML("198.18.0.0/24", "cp1=198.18.0.11", "w1=198.18.0.21", "loner=198.18.0.31")+
		clusterYAML("edge-1", "cp1", "w1", "", ""))
	for _, m := range []string{"cp1", "w1"} {
		_, err := f.seed(t, m, "edge-1")
		require.NoError(t, err)
	}
	f.to(t, "cp1", toBooting...)
	f.to(t, "w1", append(slices.Clone(toJoining), machine.Fail)...)
	_, err := f.c.Renew(t.Context(), "edge-1", "alice")
	require.NoError(t, err)
	for _, tt := range []struct{ machine, want string }{
		{"cp1", "is booting"},
		{"w1", "is failed"},
		{"loner", "not a member of any cluster"},
		{"ghost", "not a member of any cluster"},
	} {
		r, err := f.renewal(t, tt.machine, 0)
		require.ErrorIs(t, err, ErrRefused, tt.machine)
		assert.ErrorContains(t, err, tt.want)
		assert.Nil(t, r)
	}
	assert.Empty(t, f.events(t, "", "cluster.cert-renewed"))
}

func TestRenewNeedsACluster(t *testing.T) {
	f := edge1(t)
	_, err := f.c.Renew(t.Context(), "ghost", "alice")
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = f.c.Renew(t.Context(), "edge-1", "alice")
	require.True(t, errors.Is(err, ErrNotReady), "no member was ever seeded: %v", err)
}
