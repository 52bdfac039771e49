package journey

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/agent"
	"github.com/slipway-dev/slipway/internal/fleet"
	"github.com/slipway-dev/slipway/internal/kube"
	"github.com/slipway-dev/slipway/internal/machine"
	"github.com/slipway-dev/slipway/internal/store"
)

// installed provisions name through phone-home and returns its seed.
func (f *fixture) installed(t *testing.T, name string) userData {
	t.Helper()
	sess, task := f.provision(t, name, macs[name])
	require.Equal(t, agent.ActionInstall, task.Action, task.Reason)
	_, err := f.svc.Result(t.Context(), sess, agent.Result{Action: agent.ActionInstall, OK: true, Disk: "/dev/vda",
		Bytes: 64 << 20, SHA256: rawSum})
	require.NoError(t, err)
	require.NoError(t, f.svc.PhoneHome(t.Context(), req, phoneHomeToken(t, task.Install.Seed), nil))
	return parseUserData(t, task.Install.Seed)
}

// TestClusterRenew: a member's seed carries a renew token, the appliance's
// CA and the API URL; the token renews while the machine is a joining or
// active node, and a new install revokes it.
func TestClusterRenew(t *testing.T) {
	f := clusterFixture(t, true)
	u := f.installed(t, "r1-u05")
	perm, tok := u.file(t, kube.RenewTokenFile)
	assert.Equal(t, "0600", perm)
	token := strings.TrimSpace(string(tok))
	assert.True(t, strings.HasPrefix(token, RenewPrefix), token)
	_, ca := u.file(t, kube.RenewCAFile)
	assert.Equal(t, testCAPEM, string(ca))
	_, url := u.file(t, kube.RenewURLFile)
	assert.Equal(t, "https://"+req.Host+"\n", string(url), "the API where the agent reached it")
	live := f.sessions(t, "r1-u05", store.AgentSessionRenew)
	require.Len(t, live, 1)
	assert.Greater(t, live[0].ExpiresAt.Sub(live[0].CreatedAt), kube.CertValidity, "outlives the certificates it renews")

	name, r, err := f.svc.Renew(t.Context(), token, fleet.RenewRequest{})
	require.NoError(t, err)
	assert.Equal(t, "r1-u05", name)
	assert.Nil(t, r, "joining, holding the install's set: nothing is due")
	_, r, err = f.svc.Renew(t.Context(), token, fleet.RenewRequest{Serial: 7})
	require.NoError(t, err)
	require.NotNil(t, r, "a set the appliance did not issue last is replaced")
	assert.Equal(t, 8, r.Serial)

	for _, bad := range []string{"", "slwr_nope", "slwp_" + token[5:]} {
		_, _, err := f.svc.Renew(t.Context(), bad, fleet.RenewRequest{})
		assert.Equal(t, http.StatusUnauthorized, status(err), "%q: %v", bad, err)
	}

	f.to(t, "r1-u05", machine.Fail)
	_, _, err = f.svc.Renew(t.Context(), token, fleet.RenewRequest{})
	assert.Equal(t, http.StatusForbidden, status(err), "%v", err)
	assert.ErrorContains(t, err, "is failed")

	f.to(t, "r1-u05", machine.Deprovision)
	f.to(t, "r1-u05", machine.Inspected)
	f.installed(t, "r1-u05")
	_, _, err = f.svc.Renew(t.Context(), token, fleet.RenewRequest{})
	assert.Equal(t, http.StatusUnauthorized, status(err), "a new install revokes the old token: %v", err)
}

// TestRenewWithoutCA: an appliance without a CA (plain HTTP) gives no
// renew token; one that builds no clusters refuses renewal.
func TestRenewWithoutCA(t *testing.T) {
	f := clusterFixture(t, true)
	f.svc.cfg.CAPEM = nil
	u := f.installed(t, "r1-u06")
	_, tok := u.file(t, kube.RenewTokenFile)
	assert.Nil(t, tok)
	assert.Empty(t, f.sessions(t, "r1-u06", store.AgentSessionRenew))

	plain := clusterFixture(t, false)
	_, _, err := plain.svc.Renew(t.Context(), RenewPrefix+"x", fleet.RenewRequest{})
	assert.Equal(t, http.StatusServiceUnavailable, status(err))
}
