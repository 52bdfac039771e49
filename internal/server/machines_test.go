package server

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/auth"
	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/store"
)

func rackMachines() []testMachine {
	return []testMachine{
		{name: "r1-u01", mac: mac(1), cluster: "edge-1", labels: map[string]string{"rack": "r1", "role": "control-plane"}},
		{name: "r1-u02", mac: mac(2), cluster: "edge-1", labels: map[string]string{"rack": "r1", "role": "worker"}, state: "ready"},
		{name: "r2-u01", mac: mac(3), labels: map[string]string{"rack": "r2", "role": "worker"}},
		{name: "zz-new", mac: mac(4), undeclared: true},
	}
}

func (h *harness) machineNames(query string) ([]string, string) {
	h.t.Helper()
	r := h.do(http.MethodGet, "/api/v1/machines"+query, auth.Viewer, nil)
	require.Equal(h.t, http.StatusOK, r.status, "body: %s", r.body)
	var l api.List[api.Machine]
	r.decode(h.t, &l)
	names := []string{}
	for _, m := range l.Items {
		names = append(names, m.Name)
	}
	return names, l.Continue
}

func TestListMachinesFilters(t *testing.T) {
	h := newHarness(t)
	h.addMachines(rackMachines()...)
	tests := []struct {
		query string
		want  []string
		cont  string
	}{
		{"", []string{"r1-u01", "r1-u02", "r2-u01", "zz-new"}, ""},
		{"?state=registered", []string{"r1-u01", "r2-u01"}, ""},
		{"?state=discovered", []string{"zz-new"}, ""},
		{"?state=active", []string{}, ""},
		{"?cluster=edge-1", []string{"r1-u01", "r1-u02"}, ""},
		{"?label=role=worker", []string{"r1-u02", "r2-u01"}, ""},
		{"?label=role=worker&label=rack=r2", []string{"r2-u01"}, ""},
		{"?label=role=worker&cluster=edge-1", []string{"r1-u02"}, ""},
		{"?label=role=worker&state=registered", []string{"r2-u01"}, ""},
		{"?limit=2", []string{"r1-u01", "r1-u02"}, "r1-u02"},
		{"?limit=2&continue=r1-u02", []string{"r2-u01", "zz-new"}, ""},
		{"?limit=4", []string{"r1-u01", "r1-u02", "r2-u01", "zz-new"}, ""},
		{"?limit=1&label=role=worker", []string{"r1-u02"}, "r1-u02"},
		{"?limit=1&label=role=worker&continue=r1-u02", []string{"r2-u01"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			got, cont := h.machineNames(tt.query)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.cont, cont)
		})
	}
}

func TestListMachinesJoin(t *testing.T) {
	h := newHarness(t)
	h.addMachines(rackMachines()...)
	r := h.do(http.MethodGet, "/api/v1/machines", auth.Viewer, nil)
	var l api.List[api.Machine]
	r.decode(t, &l)
	require.Len(t, l.Items, 4)

	declared := l.Items[1]
	assert.Equal(t, "ready", declared.State)
	require.NotNil(t, declared.Spec)
	assert.Equal(t, "edge-1", declared.Spec.Cluster)
	assert.Equal(t, "ipmi://10.0.0.1:623", declared.Spec.BMC.Address)
	assert.Equal(t, map[string]string{"rack": "r1", "role": "worker"}, declared.Labels)
	assert.EqualValues(t, 1, declared.Revision)
	assert.Equal(t, []string{"inspect", "provision", "deprovision", "maintenance-on"}, declared.Allowed)

	discovered := l.Items[3]
	assert.Nil(t, discovered.Spec)
	assert.Zero(t, discovered.Revision)
	assert.Equal(t, []string{"register", "maintenance-on"}, discovered.Allowed)
}

// TestMachineWireShape holds machineJSON (the list's fast path) to the
// JSON shape of api.Machine: same fields, same tags, and a round trip
// through api.Machine gives the same bytes.
func TestMachineWireShape(t *testing.T) {
	tags := func(v any) map[string]string {
		out := map[string]string{}
		rt := reflect.TypeOf(v)
		for i := range rt.NumField() {
			f := rt.Field(i)
			out[f.Name] = f.Tag.Get("json")
		}
		return out
	}
	if d := cmp.Diff(tags(api.Machine{}), tags(machineJSON{})); d != "" {
		t.Fatalf("api.Machine and machineJSON differ (-api +wire):\n%s", d)
	}

	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	spec := inventory.MachineSpec{MAC: mac(1), Network: "lab", IP: "198.18.0.10", BMC: &inventory.BMC{Address: "ipmi://10.0.0.1"},
		Hardware: &inventory.Hardware{CPUs: 4, Disks: []inventory.Disk{{SizeGiB: 100}}}, Cluster: "edge-1"}
	specJSON, err := json.Marshal(spec)
	require.NoError(t, err)
	m := store.Machine{Name: "r1-u01", MAC: mac(1), State: "failed", StateReason: "disk", FailedStage: "provisioning", Power: "on",
		Phase: "x", Conditions: []store.Condition{{Type: "bmc-unreachable", Since: now}}, Hardware: json.RawMessage(`{"cpus":4}`),
		CreatedAt: now, UpdatedAt: now, StateChangedAt: now}
	o := store.Object{Kind: "Machine", Name: "r1-u01", Labels: map[string]string{"a": "b"}, Spec: specJSON, Revision: 3}
	wire, err := json.Marshal(toMachineJSON(&m, &o, []string{"reset"}))
	require.NoError(t, err)
	var back api.Machine
	require.NoError(t, json.Unmarshal(wire, &back))
	again, err := json.Marshal(back)
	require.NoError(t, err)
	assert.JSONEq(t, string(wire), string(again))
	assert.Equal(t, spec, *back.Spec)
}

func TestGetMachine(t *testing.T) {
	h := newHarness(t)
	h.addMachines(rackMachines()...)
	// 60 events: the detail keeps the newest 50, in ID order.
	require.NoError(t, h.db.Update(context.Background(), func(tx *store.Tx) error {
		for range 60 {
			if err := tx.AppendEvent(&store.Event{Machine: "r1-u01", Type: "dhcp.ack"}); err != nil {
				return err
			}
		}
		return nil
	}))
	for range 3 {
		r := h.do(http.MethodPost, "/api/v1/machines/r1-u01/actions", auth.Operator, api.ActionRequest{Action: "power-on"})
		require.Equal(t, http.StatusAccepted, r.status)
	}
	r := h.do(http.MethodGet, "/api/v1/machines/r1-u01", auth.Viewer, nil)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	var d api.MachineDetail
	r.decode(t, &d)
	assert.Equal(t, "r1-u01", d.Name)
	require.NotNil(t, d.Spec)
	assert.Equal(t, "edge-1", d.Spec.Cluster)
	require.Len(t, d.Events, 50)
	for i := 1; i < len(d.Events); i++ {
		assert.Greater(t, d.Events[i].ID, d.Events[i-1].ID)
	}
	assert.Equal(t, "operation.failed", d.Events[49].Type, "the newest event is last")
	assert.Len(t, d.Operations, 3)

	r = h.do(http.MethodGet, "/api/v1/machines/zz-new", auth.Viewer, nil)
	require.Equal(t, http.StatusOK, r.status)
	var undeclared api.MachineDetail
	r.decode(t, &undeclared)
	assert.Nil(t, undeclared.Spec)
	assert.Len(t, undeclared.Events, 1)
}

// TestMachineListEncoding holds the hand-written list encoder to
// encoding/json's output, byte for byte, including awkward strings.
func TestMachineListEncoding(t *testing.T) {
	at := time.Date(2025, 3, 4, 5, 6, 7, 123456789, time.UTC)
	odd := "q\"b\\s</script>&\n\r\t\x01\x1f é ✓ \u2028\u2029 \xff end"
	items := []machineJSON{
		{Name: "plain", MAC: mac(1), State: "registered", Power: "unknown", CreatedAt: at, UpdatedAt: at, StateChangedAt: at},
		{Name: odd, MAC: odd, State: "failed", StateReason: odd, FailedStage: "provisioning", Power: "on", Phase: odd,
			Labels: map[string]string{"z": "1", "a": odd, odd: "k"}, Spec: json.RawMessage(`{"mac":"52:54:00:00:00:01","cluster":"edge-1"}`),
			Conditions: []store.Condition{{Type: "bmc-unreachable", Reason: "timeout", Since: at, NextRetry: &at}},
			Hardware:   json.RawMessage(`{"cpus":4,"disks":[{"sizeGiB":100}]}`), Revision: 12,
			CreatedAt: at, UpdatedAt: at.Add(time.Second), StateChangedAt: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
			Allowed: []string{"reset", odd}},
	}
	for _, cont := range []string{"", "plain", odd} {
		want, err := json.Marshal(api.List[machineJSON]{Items: items, Continue: cont})
		require.NoError(t, err)
		got, err := writeMachineList(items, cont)
		require.NoError(t, err)
		assert.Equal(t, string(want)+"\n", string(got))
	}
	empty, err := writeMachineList(nil, "")
	require.NoError(t, err)
	assert.Equal(t, `{"items":[]}`+"\n", string(empty))

	bad := []machineJSON{{Name: "x", Hardware: json.RawMessage(`{"cpus":`)}}
	_, err = writeMachineList(bad, "")
	assert.Error(t, err)

	// A large list arrives whole.
	many := make([]machineJSON, 2000)
	for i := range many {
		many[i] = items[i%2]
	}
	want, err := json.Marshal(api.List[machineJSON]{Items: many})
	require.NoError(t, err)
	got, err := writeMachineList(many, "")
	require.NoError(t, err)
	assert.Greater(t, len(got), 128<<10)
	assert.Equal(t, string(want)+"\n", string(got))
}

func writeMachineList(items []machineJSON, cont string) ([]byte, error) {
	lw := newListWriter()
	for i := range items {
		b, err := appendMachine(nil, &items[i])
		if err != nil {
			return nil, err
		}
		lw.addRaw(b)
	}
	return lw.finish(cont), nil
}
