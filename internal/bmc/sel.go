package bmc

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/slipway-dev/slipway/internal/store"
)

// maxSELEvents bounds the SEL entries turned into events in one poll (a
// BMC seen for the first time may hold thousands).
const maxSELEvents = 50

// recordSEL appends a bmc.sel event for every entry newer than the last one
// recorded (by SEL record ID, kept in the events themselves so that a
// restart does not repeat them).
func (p *PowerSync) recordSEL(ctx context.Context, rec *recorder, sel []SELEntry) {
	if len(sel) == 0 {
		return
	}
	rec.update(ctx, func(tx *store.Tx) error {
		last, err := latest(tx, rec.machine, EventSEL)
		if err != nil {
			return err
		}
		mark := int64(-1)
		if last != nil {
			var d struct {
				ID string `json:"selId"`
			}
			if json.Unmarshal(last.Data, &d) == nil {
				mark = selID(d.ID)
			}
		}
		var fresh []SELEntry
		for _, e := range sel {
			if selID(e.ID) > mark {
				fresh = append(fresh, e)
			}
		}
		if len(fresh) > maxSELEvents {
			fresh = fresh[len(fresh)-maxSELEvents:]
		}
		for _, e := range fresh {
			msg := strings.TrimSpace(e.Sensor + ": " + e.Message)
			data := map[string]any{"selId": e.ID, "time": e.Time}
			if err := tx.AppendEvent(rec.newEvent(EventSEL, "sel", msg, data)); err != nil {
				return err
			}
		}
		return nil
	})
}

// selID reads a SEL record ID as ipmitool prints it (hex, "   1c").
func selID(s string) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 16, 64)
	if err != nil {
		return -1
	}
	return n
}
