package store

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRebind(t *testing.T) {
	tests := []struct{ driver, in, want string }{
		{DriverPostgres, "SELECT 1", "SELECT 1"},
		{DriverPostgres, "a = ? AND b IN (?, ?)", "a = $1 AND b IN ($2, $3)"},
		{DriverSQLite, "a = ? AND b = ?", "a = ? AND b = ?"},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, rebind(tc.driver, tc.in))
	}
}

func TestListLimit(t *testing.T) {
	for in, want := range map[int]int{-1: 500, 0: 500, 1: 1, 500: 500, 10000: 10000, 10001: 10000} {
		assert.Equal(t, want, listLimit(in), "listLimit(%d)", in)
	}
}

func TestTimes(t *testing.T) {
	assert.Equal(t, int64(0), toNanos(time.Time{}))
	assert.True(t, fromNanos(0).IsZero())
	tm := time.Date(2025, 1, 2, 3, 4, 5, 6, time.FixedZone("X", 3600))
	got := fromNanos(toNanos(tm))
	assert.True(t, got.Equal(tm))
	assert.Equal(t, time.UTC, got.Location())
	assert.Nil(t, fromNullNanos(toNullNanos(nil)))
	assert.True(t, fromNullNanos(toNullNanos(&tm)).Equal(tm))
}

func TestMachineDoc(t *testing.T) {
	ts := time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC)
	m := Machine{
		Name: "r1-u07", MAC: "52:54:00:aa:bb:cc", State: "failed", StateReason: "disk ✗", FailedStage: "provisioning",
		HeldFrom: "x", Power: "on", Phase: "installing 42%",
		Conditions: []Condition{{Type: "bmc-unreachable", Since: ts, NextRetry: &ts}},
		Arch:       "arm64", UUID: "u", Revision: 1 << 40, CreatedAt: ts, UpdatedAt: ts.Add(time.Second),
	}
	doc, err := encodeMachine(&m)
	require.NoError(t, err)
	hw := json.RawMessage(`{"cpus":1}`)
	got, err := decodeMachine(string(doc), hw)
	require.NoError(t, err)
	m.Hardware = hw
	assert.Empty(t, cmp.Diff(m, got))

	// A doc written before later fields existed reads them as zero values.
	old := m
	old.CreatedAt, old.UpdatedAt, old.StateChangedAt, old.Hardware = time.Time{}, time.Time{}, time.Time{}, nil
	oldDoc, err := encodeMachine(&old)
	require.NoError(t, err)
	require.Equal(t, "\x00\x00\x00", string(oldDoc[len(oldDoc)-3:]), "zero times are one byte each")
	got, err = decodeMachine(string(oldDoc[:len(oldDoc)-3]), nil) // as if the times were added later
	require.NoError(t, err)
	assert.Empty(t, cmp.Diff(old, got))

	for name, bad := range map[string]string{
		"empty":          "",
		"unknown format": "\x02" + string(doc[1:]),
		"truncated":      string(doc[:10]),
		"overlong":       "\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
	} {
		_, err := decodeMachine(bad, nil)
		assert.ErrorIs(t, err, errBadDoc, name)
	}
}

func TestObjectDoc(t *testing.T) {
	o := Object{Kind: "Network", Name: "n1", Labels: map[string]string{"b": "2", "a": "1", "": ""},
		Revision: 7, CreatedAt: time.Unix(0, 1).UTC(), UpdatedAt: time.Unix(5, 0).UTC()}
	got, err := decodeObject(string(encodeObject(&o)), []byte(`{}`))
	require.NoError(t, err)
	o.Spec = json.RawMessage(`{}`)
	assert.Empty(t, cmp.Diff(o, got))
	assert.Equal(t, encodeObject(&o), encodeObject(&got), "labels are encoded in key order")

	_, err = decodeObject("\x01\x02ab\x7f", nil)
	assert.ErrorIs(t, err, errBadDoc)
}

func BenchmarkDecodeMachine(b *testing.B) {
	m := Machine{Name: "r01-u001", MAC: "52:54:00:00:00:01", State: "active", Power: "on", Phase: "running",
		Arch: "x86_64", UUID: "4c4c4544-00000001", Revision: 3, CreatedAt: time.Now(), UpdatedAt: time.Now(), StateChangedAt: time.Now()}
	doc, _ := encodeMachine(&m)
	hw := []byte(`{"cpus":32}`)
	raw := json.RawMessage(doc)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeMachine(string(raw), hw); err != nil {
			b.Fatal(err)
		}
	}
}
