package server

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/agent"
	"github.com/slipway-dev/slipway/internal/journey"
	"github.com/slipway-dev/slipway/internal/store"
)

// TestAgentRoutes checks the HTTP side of the agent endpoints: strict
// bodies, the session requirement, refusals with their status and field,
// and that progress reports are not audit rows (the journey package tests
// the decisions).
func TestAgentRoutes(t *testing.T) {
	db := openStore(t)
	svc, err := journey.New(journey.Config{}, db, nil)
	require.NoError(t, err)
	h := newHarnessOn(t, db, harnessOpts{opts: []Option{WithAgent(svc)}})

	r := h.do(http.MethodPost, agent.PathClaim, "", `{"token":"slwb_x","mac":"52:54:00:77:00:05","extra":1}`)
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, "extra", r.apiError(t).Field)

	r = h.do(http.MethodPost, agent.PathClaim, "", agent.ClaimRequest{Token: "slwb_nope", MAC: "52:54:00:77:00:05"})
	assert.Equal(t, http.StatusUnauthorized, r.status, "%s", r.body)
	assert.Equal(t, "token", r.apiError(t).Field)

	r = h.do(http.MethodPost, agent.PathInventory, "", agent.Inventory{})
	assert.Equal(t, http.StatusUnauthorized, r.status)
	assert.Equal(t, "Authorization", r.apiError(t).Field)

	r = h.do(http.MethodPost, agent.PathProgress, "Bearer slwa_forged", agent.Progress{Phase: agent.PhaseDownload})
	assert.Equal(t, http.StatusUnauthorized, r.status)
	r = h.do(http.MethodPost, agent.PathResult, "Bearer slwa_forged", agent.Result{Action: "dance"})
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, "action", r.apiError(t).Field)

	var rows []store.Audit
	require.NoError(t, db.View(context.Background(), func(tx *store.Tx) (err error) {
		rows, err = tx.ListAudit(store.AuditFilter{})
		return err
	}))
	var actions []string
	for _, a := range rows {
		assert.Equal(t, "agent", a.Actor)
		actions = append(actions, a.Action)
	}
	assert.NotContains(t, actions, "POST "+agent.PathProgress)
	assert.Contains(t, actions, "POST "+agent.PathClaim)
}
