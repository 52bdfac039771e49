package timeline

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/agent"
	"github.com/slipway-dev/slipway/internal/store"
)

var t0 = time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)

// journey builds events: each step is seconds after t0 and an event.
type step struct {
	at float64
	e  store.Event
}

func events(steps ...step) []store.Event {
	out := make([]store.Event, len(steps))
	for i, s := range steps {
		out[i] = s.e
		out[i].ID = int64(i + 1)
		out[i].Time = t0.Add(time.Duration(s.at * float64(time.Second)))
	}
	return out
}

func st(from, to string) store.Event { return store.Event{Type: "state", From: from, To: to} }
func ev(typ string) store.Event      { return store.Event{Type: typ} }

func withData(typ string, v any) store.Event {
	b, _ := json.Marshal(v)
	return store.Event{Type: typ, Data: b}
}

// provisionTo is a provisioning attempt up to and including the install
// progress reports.
func provisionTo() []step {
	return []step{
		{0, st("ready", "provisioning")},
		{1, ev("power.on")},
		{5, ev("dhcp.ack")},
		{6, ev("tftp.read")},
		{7, ev("boot.script")},
		{8, ev("boot.kernel")},
		{20, ev(agent.EventClaimed)},
		{21, ev(agent.EventInventory)},
		{22, ev(agent.EventInstallStart)},
		{23, withData(agent.EventProgress, agent.Progress{Phase: agent.PhaseDownload, Bytes: 10e6, Total: 50e6, BytesPerSec: 20e6})},
		{24, withData(agent.EventProgress, agent.Progress{Phase: agent.PhaseDownload, Bytes: 20e6, Total: 50e6, BytesPerSec: 25e6})},
	}
}

func statuses(tl Timeline) map[string]string {
	out := map[string]string{}
	for _, p := range tl.Phases {
		out[p.Key] = p.Status
	}
	return out
}

func phase(t *testing.T, tl Timeline, key string) Phase {
	for _, p := range tl.Phases {
		if p.Key == key {
			return p
		}
	}
	t.Fatalf("no phase %s", key)
	return Phase{}
}

func TestInstallInProgress(t *testing.T) {
	evs := events(provisionTo()...)
	tl := Build(Machine{State: "provisioning", StateChangedAt: t0}, evs, t0.Add(25*time.Second))
	assert.Equal(t, map[string]string{Power: "done", DHCP: "done", TFTP: "done", Script: "done", Kernel: "done",
		Agent: "done", Inspect: "done", Install: "active", DiskBoot: "pending", PhoneHome: "pending"}, statuses(tl))
	in := phase(t, tl, Install)
	require.NotNil(t, in.Progress)
	assert.Equal(t, Progress{Phase: "download", Percent: 40, Bytes: 20e6, Total: 50e6, MBPerSec: 25, at: evs[10].Time}, *in.Progress)
	assert.Equal(t, 4*time.Second, in.Duration, "a running phase lasts from the end of the one before until now")
	assert.Equal(t, time.Second, phase(t, tl, Kernel).Duration, "a phase lasts from the end of the one before to its last event")
	assert.Equal(t, "Install", tl.Waiting, "the step's last phase has begun: it waits for it to end")
	assert.Equal(t, "the agent to write the image", tl.WaitingFor)
	assert.Equal(t, t0.Add(2*time.Hour), tl.Deadline)
	assert.Equal(t, 25*time.Second, tl.Total)
	assert.Empty(t, tl.Stopped)
	assert.Equal(t, &evs[0], tl.Start)
}

func TestStuckSaysWhatItWaitsFor(t *testing.T) {
	evs := events(step{0, st("registered", "inspecting")}, step{1, ev("power.on")}, step{3, ev("dhcp.ack")})
	tl := Build(Machine{State: "inspecting", StateChangedAt: t0}, evs, t0.Add(5*time.Minute+3*time.Second))
	assert.Equal(t, StatusStuck, phase(t, tl, DHCP).Status)
	assert.Equal(t, "TFTP", tl.Waiting)
	assert.Equal(t, "No progress for 5m00s. Last seen: dhcp.ack at 09:00:03Z. "+
		"Waiting for the machine to fetch iPXE over TFTP.", tl.Stopped)

	t.Run("within StuckAfter it is only waiting", func(t *testing.T) {
		tl := Build(Machine{State: "inspecting", StateChangedAt: t0}, evs, t0.Add(time.Minute))
		assert.Equal(t, StatusActive, phase(t, tl, DHCP).Status)
		assert.Empty(t, tl.Stopped)
	})
	t.Run("inspect attempt waits for inspect, not install", func(t *testing.T) {
		evs := events(step{0, st("registered", "inspecting")}, step{1, ev(agent.EventClaimed)}, step{2, ev(agent.EventInventory)})
		tl := Build(Machine{State: "inspecting", StateChangedAt: t0}, evs, t0.Add(10*time.Minute))
		assert.Equal(t, "Inspect", tl.Waiting)
		assert.Contains(t, tl.Stopped, "Waiting for the agent's hardware report.")
	})
	t.Run("nothing heard", func(t *testing.T) {
		tl := Build(Machine{State: "booting", StateChangedAt: t0}, nil, t0.Add(time.Minute))
		assert.Equal(t, "Nothing heard from this machine yet.", tl.Stopped)
		assert.Equal(t, "Power on", tl.Waiting)
	})
}

func TestFailedInstall(t *testing.T) {
	steps := append(provisionTo(),
		step{30, withData(agent.EventInstallFailed, agent.Result{Action: agent.ActionInstall, Error: "sha256 mismatch", Phase: agent.PhaseVerify})},
		step{30, store.Event{Type: "state", From: "provisioning", To: "failed", Message: "install: sha256 mismatch"}})
	tl := Build(Machine{State: "failed", Reason: "install: sha256 mismatch", FailedStage: "install"}, events(steps...), t0.Add(time.Hour))
	assert.Equal(t, StatusFailed, phase(t, tl, Install).Status)
	assert.Equal(t, "Failed while install: install: sha256 mismatch", tl.Stopped)
	assert.Equal(t, 30*time.Second, tl.Total, "a stopped attempt's total ends at its last event")
	assert.Equal(t, "state", tl.LastSeen.Type)
	assert.Empty(t, tl.Waiting)
}

func TestWholeJourney(t *testing.T) {
	steps := append(provisionTo(),
		step{40, withData(agent.EventInstalled, agent.Result{Action: agent.ActionInstall, OK: true, Bytes: 48 << 20, DurationMS: 1600, MBPerSec: 31.5})},
		step{40, st("provisioning", "provisioned")},
		step{41, ev(agent.EventDiskBoot)},
		step{41, st("provisioned", "booting")},
		step{50, ev("dhcp.ack")},
		step{70, ev(agent.EventPhonedHome)},
		step{70, st("booting", "joining")},
		step{90, st("joining", "active")})
	tl := Build(Machine{State: "active"}, events(steps...), t0.Add(time.Hour))
	for _, p := range tl.Phases {
		assert.Equal(t, StatusDone, p.Status, p.Key)
	}
	in := phase(t, tl, Install)
	assert.Equal(t, 19*time.Second, in.Duration)
	assert.Equal(t, &Progress{Percent: 100, Bytes: 48 << 20, Total: 48 << 20, MBPerSec: 31.5, Done: true, at: t0.Add(40 * time.Second)}, in.Progress)
	assert.Len(t, phase(t, tl, DiskBoot).Events, 3, "the disk's DHCP belongs to booting the disk")
	assert.Equal(t, 90*time.Second, tl.Total)
	assert.Empty(t, tl.Stopped)
	assert.Empty(t, tl.Waiting)
}

func TestOnlyTheLatestAttempt(t *testing.T) {
	evs := events(step{0, st("registered", "inspecting")}, step{1, ev("power.on")}, step{2, ev("dhcp.ack")},
		step{3, st("inspecting", "failed")}, step{10, st("failed", "registered")}, step{11, st("registered", "inspecting")},
		step{12, ev("power.on")})
	tl := Build(Machine{State: "inspecting", StateChangedAt: t0.Add(11 * time.Second)}, evs, t0.Add(13*time.Second))
	assert.Equal(t, int64(6), tl.Start.ID)
	assert.Equal(t, StatusPending, phase(t, tl, DHCP).Status, "the earlier attempt's DHCP is not this one's")
	assert.Equal(t, "DHCP", tl.Waiting)
}

func TestProgressRateFromReports(t *testing.T) {
	evs := events(step{0, st("ready", "provisioning")}, step{1, ev(agent.EventInstallStart)},
		step{2, withData(agent.EventProgress, map[string]any{"phase": "verify", "bytes": 0, "total": 100e6})},
		step{4, withData(agent.EventProgress, map[string]any{"phase": "verify", "bytes": 50e6, "total": 100e6})})
	tl := Build(Machine{State: "provisioning", StateChangedAt: t0}, evs, t0.Add(5*time.Second))
	p := phase(t, tl, Install).Progress
	require.NotNil(t, p)
	assert.Equal(t, 50, p.Percent)
	assert.InDelta(t, 25.0, p.MBPerSec, 0.001, "50 MB in 2 s")
	assert.Equal(t, "verify", p.Phase)
}

func TestPrecise(t *testing.T) {
	assert.Equal(t, "14.2s", Precise(14200*time.Millisecond))
	assert.Equal(t, "0.4s", Precise(400*time.Millisecond))
	assert.Equal(t, "3m05s", Precise(185*time.Second))
	assert.Equal(t, "2h10m", Short(130*time.Minute))
}
