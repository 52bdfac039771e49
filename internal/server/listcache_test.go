package server

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/auth"
	"github.com/slipway-dev/slipway/internal/store"
)

// TestMachineListNeverStale: a cached list answers repeated reads, and every
// committed machine or object write shows in the very next read.
func TestMachineListNeverStale(t *testing.T) {
	h := newHarness(t)
	h.addMachines(testMachine{name: "a", mac: "52:54:00:00:00:0a", state: "registered"},
		testMachine{name: "b", mac: "52:54:00:00:00:0b", state: "registered"})
	list := func(query string) []api.Machine {
		r := h.do(http.MethodGet, "/api/v1/machines"+query, auth.Viewer, nil)
		require.Equal(t, http.StatusOK, r.status, string(r.body))
		var l api.List[api.Machine]
		require.NoError(t, json.Unmarshal(r.body, &l))
		return l.Items
	}
	require.Len(t, list(""), 2)
	require.Len(t, list("?state=failed"), 0)

	// A state change through the lifecycle path.
	require.NoError(t, h.db.Update(context.Background(), func(tx *store.Tx) error {
		m, err := tx.GetMachine("a")
		if err != nil {
			return err
		}
		rev := m.Revision
		m.State, m.StateReason = "failed", "disk too small"
		return tx.UpdateMachine(&m, rev)
	}))
	got := list("")
	assert.Equal(t, "failed", got[0].State)
	assert.Equal(t, "disk too small", got[0].StateReason)
	require.Len(t, list("?state=failed"), 1, "each cached query is invalidated, not only the last one")

	// A label change on the declared object alone shows, and filters see it.
	require.Len(t, list("?label=rack=r9"), 0)
	require.NoError(t, h.db.Update(context.Background(), func(tx *store.Tx) error {
		o, err := tx.GetObject("Machine", "b")
		if err != nil {
			return err
		}
		o.Labels = map[string]string{"rack": "r9"}
		return tx.UpdateObject(&o, o.Revision)
	}))
	byLabel := list("?label=rack=r9")
	require.Len(t, byLabel, 1)
	assert.Equal(t, "b", byLabel[0].Name)
	assert.Equal(t, "r9", list("")[1].Labels["rack"])

	// A removed machine disappears.
	require.NoError(t, h.db.Update(context.Background(), func(tx *store.Tx) error { return tx.DeleteMachine("b") }))
	assert.Len(t, list(""), 1)
}

func TestListCacheGenerations(t *testing.T) {
	var c listCache
	_, ok := c.get(0, "")
	assert.False(t, ok, "empty cache")
	c.put(3, "", []byte("g3"))
	b, ok := c.get(3, "")
	assert.True(t, ok)
	assert.Equal(t, "g3", string(b))
	_, ok = c.get(4, "")
	assert.False(t, ok, "a newer generation misses")
	c.put(2, "", []byte("g2"))
	b, _ = c.get(3, "")
	assert.Equal(t, "g3", string(b), "a body computed at an older generation is not kept")
	for i, q := range []string{"a", "b", "c", "d", "e"} {
		c.put(3, q, []byte{byte('0' + i)})
	}
	_, ok = c.get(3, "")
	assert.False(t, ok, "oldest entry evicted beyond the bound")
	_, ok = c.get(3, "e")
	assert.True(t, ok)
}
