package store

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// ClusterRecord is what the appliance keeps for one Kubernetes cluster
// beside its declared object: Sealed holds its secrets (sealed by the
// caller with the appliance key, bound to the cluster's name), State its
// non-secret bookkeeping and Status its last observed health, both JSON
// whose shape belongs to the cluster controller.
type ClusterRecord struct {
	Name      string          `json:"name"`
	Sealed    []byte          `json:"-"`
	State     json.RawMessage `json:"state"`
	Status    json.RawMessage `json:"status"`
	CreatedAt time.Time       `json:"createdAt"`
	UpdatedAt time.Time       `json:"updatedAt"`
}

const (
	clusterRecordKind    = "cluster record"
	clusterRecordColumns = "name, sealed, state, status, created_at, updated_at"
)

func clusterRecordReader() rowReader[ClusterRecord] {
	var (
		c                ClusterRecord
		state, status    string
		created, updated int64
	)
	return rowReader[ClusterRecord]{
		dest: []any{&c.Name, &c.Sealed, &state, &status, &created, &updated},
		read: func() (ClusterRecord, error) {
			v := c
			v.Sealed = append([]byte(nil), c.Sealed...)
			v.State, v.Status = json.RawMessage(state), json.RawMessage(status)
			v.CreatedAt, v.UpdatedAt = fromNanos(created), fromNanos(updated)
			return v, nil
		},
	}
}

// PutClusterRecord creates or replaces the record of c.Name (CreatedAt is
// kept from the replaced record). Empty State and Status are stored as {}.
func (tx *Tx) PutClusterRecord(c *ClusterRecord) error {
	if err := tx.writable(); err != nil {
		return err
	}
	if c.Name == "" {
		return errors.New("put cluster record: name is required")
	}
	for _, js := range []*json.RawMessage{&c.State, &c.Status} {
		if len(*js) == 0 {
			*js = json.RawMessage("{}")
		}
		if !json.Valid(*js) {
			return fmt.Errorf("put %s %s: state and status must be JSON", clusterRecordKind, c.Name)
		}
	}
	sealed := c.Sealed
	if sealed == nil {
		sealed = []byte{}
	}
	now := toNanos(tx.now)
	var created int64
	err := tx.queryRow("INSERT INTO clusters ("+clusterRecordColumns+") VALUES (?, ?, ?, ?, ?, ?)"+
		" ON CONFLICT (name) DO UPDATE SET sealed = excluded.sealed, state = excluded.state,"+
		" status = excluded.status, updated_at = excluded.updated_at RETURNING created_at",
		c.Name, sealed, string(c.State), string(c.Status), now, now).Scan(&created)
	if err != nil {
		return failed("put", clusterRecordKind, c.Name, err)
	}
	c.CreatedAt, c.UpdatedAt = fromNanos(created), tx.now
	return nil
}

// GetClusterRecord returns the record of cluster name or ErrNotFound.
func (tx *Tx) GetClusterRecord(name string) (ClusterRecord, error) {
	c, err := getOne(tx, clusterRecordReader(), "SELECT "+clusterRecordColumns+" FROM clusters WHERE name = ?", name)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return ClusterRecord{}, notFound(clusterRecordKind, name)
	case err != nil:
		return ClusterRecord{}, fmt.Errorf("get %s %s: %w", clusterRecordKind, name, err)
	}
	return c, nil
}

// ListClusterRecords returns every record ordered by name.
func (tx *Tx) ListClusterRecords() ([]ClusterRecord, error) {
	rows, err := tx.query("SELECT " + clusterRecordColumns + " FROM clusters ORDER BY name")
	out, err := collect(rows, err, 0, clusterRecordReader())
	if err != nil {
		return nil, fmt.Errorf("list %ss: %w", clusterRecordKind, err)
	}
	return out, nil
}

// DeleteClusterRecord deletes the record of cluster name or returns ErrNotFound.
func (tx *Tx) DeleteClusterRecord(name string) error {
	if err := tx.writable(); err != nil {
		return err
	}
	ok, err := tx.execOne("DELETE FROM clusters WHERE name = ?", name)
	switch {
	case err != nil:
		return failed("delete", clusterRecordKind, name, err)
	case !ok:
		return notFound(clusterRecordKind, name)
	}
	return nil
}
