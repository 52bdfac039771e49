package inventory

import (
	"context"
	"fmt"
	"strings"

	"github.com/slipway-dev/slipway/internal/store"
)

func deleteObject(ctx context.Context, db *store.DB, key Key, expect int64, actor string) error {
	return db.Update(ctx, func(tx *store.Tx) error {
		so, err := tx.GetObject(string(key.Kind), key.Name)
		if err != nil {
			return fmt.Errorf("inventory: delete %s: %w", key, err)
		}
		if expect != 0 && so.Revision != expect {
			return &ConflictError{Key: key, Expected: expect, Actual: so.Revision,
				Detail: fmt.Sprintf("revision is %d, not %d: it changed since you looked; check it and delete again", so.Revision, expect)}
		}
		if by, err := referencedBy(tx, key); err != nil {
			return err
		} else if len(by) > 0 {
			return &ConflictError{Key: key, Expected: expect, Actual: so.Revision,
				Detail: "still referenced by " + strings.Join(by, ", ") + "; change or delete those first"}
		}
		if err := tx.DeleteObject(so.Kind, so.Name, so.Revision); err != nil {
			return fmt.Errorf("inventory: delete %s: %w", key, err)
		}
		if key.Kind == KindMachine {
			return deleteMachineRow(tx, key.Name, actor, "its Machine object was deleted")
		}
		ev := &store.Event{Type: "inventory.delete", Reason: "inventory", Actor: actor,
			Message: fmt.Sprintf("%s deleted (revision %d)", key, so.Revision)}
		if err := tx.AppendEvent(ev); err != nil {
			return fmt.Errorf("inventory: record delete of %s: %w", key, err)
		}
		return nil
	})
}

// referencedBy lists the stored objects that refer to key, as
// "Machine r1-u07 (spec.image)".
func referencedBy(tx *store.Tx, key Key) ([]string, error) {
	stored, err := tx.ListObjects("")
	if err != nil {
		return nil, fmt.Errorf("inventory: read live objects: %w", err)
	}
	var by []string
	for _, so := range stored {
		o, err := FromStored(so)
		if err != nil {
			return nil, fmt.Errorf("inventory: %w", err)
		}
		if o.Key() == key {
			continue
		}
		for _, r := range refsOf(&o) {
			if r.Target == key {
				by = append(by, fmt.Sprintf("%s (%s)", o.Key(), r.Field))
			}
		}
	}
	return by, nil
}
