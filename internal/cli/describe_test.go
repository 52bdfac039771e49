package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/agent"
	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/store"
	"github.com/slipway-dev/slipway/internal/timeline"
)

var tlStart = time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)

// tlEvents turns (milliseconds after tlStart, event) pairs into events.
func tlEvents(steps ...any) []store.Event {
	var out []store.Event
	for i := 0; i+1 < len(steps); i += 2 {
		e := steps[i+1].(store.Event)
		e.ID, e.Machine = int64(len(out)+1), "r1-u07"
		e.Time = tlStart.Add(time.Duration(steps[i].(int)) * time.Millisecond)
		out = append(out, e)
	}
	return out
}

func tlData(typ string, v any) store.Event {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return store.Event{Type: typ, Data: b}
}

// installAttempt is a provisioning attempt up to a running install.
func installAttempt() []any {
	return []any{
		0, store.Event{Type: "state", From: "ready", To: "provisioning", Actor: "user:ana"},
		800, store.Event{Type: "power.on"},
		4100, store.Event{Type: "dhcp.ack"},
		4600, store.Event{Type: "tftp.read"},
		5300, store.Event{Type: "boot.script"},
		5500, store.Event{Type: "boot.kernel"},
		19200, store.Event{Type: agent.EventClaimed},
		20100, store.Event{Type: agent.EventInventory},
		20300, store.Event{Type: agent.EventInstallStart},
		21300, tlData(agent.EventProgress, agent.Progress{Phase: agent.PhaseDownload, Bytes: 20 << 20, Total: 48 << 20, BytesPerSec: 30.2e6}),
	}
}

// TestDescribeTimeline renders the Timeline section of describe machine
// for a finished journey, a running install, a stuck netboot and a failed
// install (golden files testdata/describe-timeline-*.txt).
func TestDescribeTimeline(t *testing.T) {
	done := append(installAttempt(),
		34500, tlData(agent.EventInstalled, agent.Result{Action: agent.ActionInstall, OK: true, Bytes: 48 << 20, DurationMS: 14200, MBPerSec: 31.5}),
		34500, store.Event{Type: "state", From: "provisioning", To: "provisioned"},
		35000, store.Event{Type: agent.EventDiskBoot},
		35000, store.Event{Type: "state", From: "provisioned", To: "booting"},
		61000, store.Event{Type: agent.EventPhonedHome, Message: "r1-u07 at 198.18.0.107"},
		61000, store.Event{Type: "state", From: "booting", To: "joining"},
		95000, store.Event{Type: "state", From: "joining", To: "active"})
	failed := append(installAttempt(),
		30000, tlData(agent.EventInstallFailed, agent.Result{Action: agent.ActionInstall, Error: "sha256 mismatch", Phase: agent.PhaseVerify}),
		30000, store.Event{Type: "state", From: "provisioning", To: "failed", Message: "install: sha256 mismatch"})
	for _, tt := range []struct {
		name string
		m    timeline.Machine
		evs  []store.Event
		now  time.Duration
	}{
		{"active", timeline.Machine{State: "active"}, tlEvents(done...), time.Hour},
		{"installing", timeline.Machine{State: "provisioning", StateChangedAt: tlStart}, tlEvents(installAttempt()...), 22 * time.Second},
		{"stuck", timeline.Machine{State: "inspecting", StateChangedAt: tlStart}, tlEvents(
			0, store.Event{Type: "state", From: "registered", To: "inspecting"},
			900, store.Event{Type: "power.on"},
			3900, store.Event{Type: "dhcp.ack", Message: "198.18.0.107"}), 7 * time.Minute},
		{"failed", timeline.Machine{State: "failed", Reason: "install: sha256 mismatch", FailedStage: "install"}, tlEvents(failed...), time.Hour},
		{"none", timeline.Machine{State: "registered"}, nil, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			writeTimeline(&b, timeline.Build(tt.m, tt.evs, tlStart.Add(tt.now)))
			exactGolden(t, "describe-timeline-"+tt.name+".txt", b.String())
		})
	}
}

// TestDescribeMachineWithTimeline: the timeline sits between the
// operations and the events.
func TestDescribeMachineWithTimeline(t *testing.T) {
	evs := tlEvents(installAttempt()...)
	d := api.MachineDetail{Machine: api.Machine{Name: "r1-u07", MAC: "52:54:00:77:00:07", State: "provisioning",
		StateChangedAt: tlStart, Power: "on"}, Events: evs[len(evs)-3:]}
	var b bytes.Buffer
	require.NoError(t, renderMachine(&b, d, timeline.Build(timeline.Machine{State: "provisioning", StateChangedAt: tlStart},
		evs, tlStart.Add(22*time.Second))))
	exactGolden(t, "describe-machine-timeline.txt", b.String())
}

// exactGolden compares got with testdata/name as is: these tests use a
// fixed clock, so nothing needs scrubbing (golden's normalize would blur
// the durations).
func exactGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, string(want), got, "golden %s (refresh with -update)", name)
}

func TestCollapseProgress(t *testing.T) {
	ev := func(typ, msg string) store.Event { return store.Event{Type: typ, Message: msg} }
	got := collapseProgress([]store.Event{ev("install.started", "a"), ev("install.progress", "10%"),
		ev("install.progress", "20%"), ev("install.progress", "30%"), ev("install.done", "b"), ev("install.progress", "x")})
	var msgs []string
	for _, e := range got {
		msgs = append(msgs, e.Message)
	}
	assert.Equal(t, []string{"a", "30% (last of 3 reports)", "b", "x"}, msgs)
}
