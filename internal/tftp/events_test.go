package tftp

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/machine"
	"github.com/slipway-dev/slipway/internal/store"
)

// fakeLeases maps client IPs to MACs.
type fakeLeases map[netip.Addr]string

func (f fakeLeases) MACByIP(_ context.Context, ip netip.Addr) (string, error) {
	if mac, ok := f[ip]; ok {
		return mac, nil
	}
	return "", store.ErrNotFound
}

func TestTransferDoneEvent(t *testing.T) {
	db, err := store.Open(t.Context(), store.Config{Driver: store.DriverSQLite,
		Path: filepath.Join(t.TempDir(), "slipway.db")}, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	require.NoError(t, db.Update(t.Context(), func(tx *store.Tx) error {
		return machine.Create(tx, &store.Machine{Name: "r1-u07", MAC: "52:54:00:77:00:10"}, machine.Registered,
			machine.Cause{Reason: "inventory", Actor: "system"})
	}))
	root := makeRoot(t)
	leases := fakeLeases{netip.MustParseAddr("127.0.0.1"): "52:54:00:77:00:10"}
	ts := startServer(t, Config{Root: root}, Deps{DB: db, Leases: leases})

	out, err := run(t, "atftp", "--option", "blksize 1468", "-g", "-r", "f513", "-l", os.DevNull, "127.0.0.1", ts.port())
	require.NoError(t, err, out)
	var ev store.Event
	require.Eventually(t, func() bool {
		_ = db.View(t.Context(), func(tx *store.Tx) error {
			evs, err := tx.ListEvents(store.EventFilter{Machine: "r1-u07", Type: "tftp.done"})
			if len(evs) == 1 {
				ev = evs[0]
			}
			return err
		})
		return ev.ID != 0
	}, 5*time.Second, 10*time.Millisecond)
	var data struct {
		File  string `json:"file"`
		Bytes int64  `json:"bytes"`
	}
	require.NoError(t, json.Unmarshal(ev.Data, &data))
	assert.Equal(t, "f513", data.File)
	assert.EqualValues(t, 513, data.Bytes)
	assert.Contains(t, ev.Message, "f513: 513 bytes in")

	err = RecordDone(t.Context(), db, leases, Transfer{Client: netip.MustParseAddr("198.18.0.9"), File: "x"})
	require.ErrorIs(t, err, store.ErrNotFound, "an unknown client is no machine's event")
}
