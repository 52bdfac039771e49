package journey

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/agent"
	"github.com/slipway-dev/slipway/internal/machine"
)

func status(err error) int {
	if e := asError(err); e != nil {
		return e.Status
	}
	return 0
}

// TestProvisionJourney walks the agent's side of a provisioning: claim,
// inventory → install task with seed, progress, verified result, phone-home.
func TestProvisionJourney(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.to(t, "m1", machine.Provision)
	sess := f.claim(t, "m1", "52:54:00:77:00:05")
	assert.True(t, strings.HasPrefix(sess, agent.SessionPrefix))

	task, err := f.svc.Inventory(ctx, req, sess, vm("52:54:00:77:00:05"))
	require.NoError(t, err)
	require.Equal(t, agent.ActionInstall, task.Action, task.Reason)
	in := task.Install
	assert.Equal(t, "http://198.18.0.1:8080/images/tiny", in.URL)
	assert.EqualValues(t, 64<<20, in.RawSize)
	assert.Equal(t, rawSum, in.RawSHA256)
	require.NotNil(t, in.Seed)
	assert.Contains(t, in.Seed.MetaData, "local-hostname: m1")
	assert.Contains(t, in.Seed.NetworkConfig, `addresses: ["198.18.0.105/24"]`)
	assert.Contains(t, in.Seed.UserData, "url: http://198.18.0.1:8080/boot/phone-home/slwp_")
	assert.Len(t, f.events(t, "m1", agent.EventBOM), 1)
	assert.NotEmpty(t, f.machine(t, "m1").Hardware)

	require.NoError(t, f.svc.Progress(ctx, sess, agent.Progress{Phase: agent.PhaseDownload, Bytes: 32 << 20, Total: 64 << 20, BytesPerSec: 31.5e6}))
	assert.Equal(t, "installing 50% at 31.5 MB/s", f.machine(t, "m1").Phase)
	err = f.svc.Progress(ctx, sess, agent.Progress{Phase: "dance"})
	assert.Equal(t, http.StatusBadRequest, status(err))

	task, err = f.svc.Result(ctx, sess, agent.Result{Action: agent.ActionInstall, OK: true, Disk: "/dev/vda",
		Bytes: 64 << 20, SHA256: rawSum, DurationMS: 2000, MBPerSec: 33.5})
	require.NoError(t, err)
	assert.Equal(t, agent.ActionWait, task.Action, "a machine with a BMC waits for the disk boot")
	assert.Equal(t, string(machine.Provisioned), f.machine(t, "m1").State)
	_, err = f.svc.Result(ctx, sess, agent.Result{Action: agent.ActionInstall, OK: true})
	assert.Equal(t, http.StatusUnauthorized, status(err), "the session ends with the result")

	phone := in.Seed.UserData[strings.Index(in.Seed.UserData, "slwp_"):]
	phone = phone[:strings.IndexByte(phone, '\n')]
	f.to(t, "m1", machine.BootDisk)
	require.NoError(t, f.svc.PhoneHome(ctx, req, phone, map[string]string{"hostname": "m1", "instance_id": "x"}))
	assert.Equal(t, string(machine.Active), f.machine(t, "m1").State, "no cluster: active")
	assert.Len(t, f.events(t, "m1", agent.EventPhonedHome), 1)
	err = f.svc.PhoneHome(ctx, req, phone, nil)
	assert.Equal(t, http.StatusNotFound, status(err), "a phone-home token works once")
}

func TestClaimRefusals(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.to(t, "m1", machine.Provision)
	tok := f.token(t, "m1")
	_, err := f.svc.Claim(ctx, req, agent.ClaimRequest{Token: tok, MAC: "52:54:00:77:00:05"})
	require.NoError(t, err)

	_, err = f.svc.Claim(ctx, req, agent.ClaimRequest{Token: tok, MAC: "52:54:00:77:00:05"})
	assert.Equal(t, http.StatusConflict, status(err))
	assert.ErrorContains(t, err, "replayed")

	// A second machine with the same MAC gets the same lease and its own token.
	_, err = f.svc.Claim(ctx, req, agent.ClaimRequest{Token: f.token(t, "m1"), MAC: "52:54:00:77:00:05"})
	assert.Equal(t, http.StatusConflict, status(err))
	assert.ErrorContains(t, err, "is a second machine using MAC 52:54:00:77:00:05?")

	_, err = f.svc.Claim(ctx, req, agent.ClaimRequest{Token: f.token(t, "m1"), MAC: "52:54:00:77:00:99"})
	assert.Equal(t, http.StatusForbidden, status(err), "another machine's identity")

	_, err = f.svc.Claim(ctx, req, agent.ClaimRequest{Token: f.token(t, "m2"), MAC: "52:54:00:77:00:06"})
	assert.Equal(t, http.StatusConflict, status(err), "m2 is registered: no agent expected")

	_, err = f.svc.Claim(ctx, req, agent.ClaimRequest{Token: "nope", MAC: "52:54:00:77:00:05"})
	assert.Equal(t, http.StatusBadRequest, status(err))

	refused := f.events(t, "m1", agent.EventClaimRefused)
	assert.Len(t, refused, 3)
	assert.Len(t, f.events(t, "m1", agent.EventClaimed), 1)
}

func TestBOMMismatchFails(t *testing.T) {
	f := newFixture(t)
	f.to(t, "m2", machine.Provision)
	sess := f.claim(t, "m2", "52:54:00:77:00:06")
	task, err := f.svc.Inventory(context.Background(), req, sess, vm("52:54:00:77:00:06"))
	require.NoError(t, err)
	assert.Equal(t, agent.ActionPowerOff, task.Action)
	m := f.machine(t, "m2")
	assert.Equal(t, string(machine.Failed), m.State)
	assert.Equal(t, "BOM check: cpus: declared 8, found 1", m.StateReason)
}

func TestInstallFailure(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.to(t, "m1", machine.Provision)
	sess := f.claim(t, "m1", "52:54:00:77:00:05")
	_, err := f.svc.Inventory(ctx, req, sess, vm("52:54:00:77:00:05"))
	require.NoError(t, err)
	_, err = f.svc.Result(ctx, sess, agent.Result{Action: agent.ActionInstall, OK: false})
	assert.Equal(t, http.StatusBadRequest, status(err), "a failure needs its error")
	task, err := f.svc.Result(ctx, sess, agent.Result{Action: agent.ActionInstall, Phase: "download",
		Error: "sha256 mismatch: got aa, want 11", Wiped: true})
	require.NoError(t, err)
	assert.Equal(t, agent.ActionPowerOff, task.Action)
	m := f.machine(t, "m1")
	assert.Equal(t, string(machine.Failed), m.State)
	assert.Contains(t, m.StateReason, "install failed in download: sha256 mismatch")
	assert.Contains(t, m.StateReason, "wiped")
}

func TestWrongDiskContentIsAFailure(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.to(t, "m1", machine.Provision)
	sess := f.claim(t, "m1", "52:54:00:77:00:05")
	_, err := f.svc.Inventory(ctx, req, sess, vm("52:54:00:77:00:05"))
	require.NoError(t, err)
	_, err = f.svc.Result(ctx, sess, agent.Result{Action: agent.ActionInstall, OK: true, SHA256: strings.Repeat("3", 64)})
	require.NoError(t, err)
	assert.Equal(t, string(machine.Failed), f.machine(t, "m1").State)
}

func TestValidateInventory(t *testing.T) {
	good := vm("52:54:00:77:00:05")
	tests := []struct {
		name  string
		edit  func(*agent.Inventory)
		field string
	}{
		{"firmware", func(i *agent.Inventory) { i.Firmware = "coreboot" }, "firmware"},
		{"disk path", func(i *agent.Inventory) { i.Disks[0].Path = "vda" }, "disks[0]"},
		{"nic name", func(i *agent.Inventory) { i.NICs[0].Name = "" }, "nics[0].name"},
		{"negative", func(i *agent.Inventory) { i.CPU.Threads = -1 }, "cpu"},
	}
	require.NoError(t, ValidateInventory(good))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := vm("52:54:00:77:00:05")
			tt.edit(&inv)
			err := ValidateInventory(inv)
			require.Error(t, err)
			assert.Equal(t, tt.field, asError(err).Field)
		})
	}
}
