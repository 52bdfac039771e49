package machine

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTransitionTableIsDeterministic(t *testing.T) {
	seen := map[State]map[Trigger]bool{}
	for _, tr := range transitions {
		require.True(t, tr.To.Valid(), "target %q", tr.To)
		for _, from := range tr.From {
			require.True(t, from.Valid(), "source %q", from)
			if seen[from] == nil {
				seen[from] = map[Trigger]bool{}
			}
			require.False(t, seen[from][tr.Trigger], "%s + %s appears twice", from, tr.Trigger)
			seen[from][tr.Trigger] = true
		}
	}
}

func TestEveryStateHasARow(t *testing.T) {
	for _, s := range States {
		_, ok := stateTable[s]
		assert.True(t, ok, "state %s missing from stateTable", s)
		if s.Transient() {
			assert.NotZero(t, s.Timeout(), "transient state %s needs a timeout", s)
			assert.NotEmpty(t, stateTable[s].phase, "transient state %s needs a phase", s)
		}
	}
}

func TestNext(t *testing.T) {
	tests := []struct {
		name     string
		from     State
		trigger  Trigger
		heldFrom State
		want     State
		wantErr  string
	}{
		{name: "adopt discovered", from: Discovered, trigger: Register, want: Registered},
		{name: "inspect registered", from: Registered, trigger: Inspect, want: Inspecting},
		{name: "inspection done", from: Inspecting, trigger: Inspected, want: Ready},
		{name: "provision ready", from: Ready, trigger: Provision, want: Provisioning},
		{name: "re-image active", from: Active, trigger: Provision, want: Provisioning},
		{name: "install done", from: Provisioning, trigger: Installed, want: Provisioned},
		{name: "disk boot", from: Provisioned, trigger: BootDisk, want: Booting},
		{name: "phone home", from: Booting, trigger: PhonedHome, want: Joining},
		{name: "joined", from: Joining, trigger: Joined, want: Active},
		{name: "install fails", from: Provisioning, trigger: Fail, want: Failed},
		{name: "reset failure", from: Failed, trigger: Reset, want: Registered},
		{name: "wipe active", from: Active, trigger: Deprovision, want: Inspecting},
		{name: "hold active", from: Active, trigger: MaintenanceOn, want: Maintenance},
		{name: "release to stable state", from: Maintenance, trigger: MaintenanceOff, heldFrom: Active, want: Active},
		{name: "release interrupted step", from: Maintenance, trigger: MaintenanceOff, heldFrom: Provisioning, want: Registered},
		{name: "release unknown", from: Maintenance, trigger: MaintenanceOff, want: Registered},
		{name: "provision registered (inspects first)", from: Registered, trigger: Provision, want: Provisioning},
		{name: "booted standalone", from: Booting, trigger: Booted, want: Active},
		{name: "provision needs a stable state", from: Inspecting, trigger: Provision,
			wantErr: "provision is not possible while inspecting (possible: inspected, fail, maintenance-on): transition not allowed"},
		{name: "stable state cannot fail", from: Ready, trigger: Fail,
			wantErr: "fail is not possible while ready (possible: inspect, provision, deprovision, maintenance-on): transition not allowed"},
		{name: "hold twice", from: Maintenance, trigger: MaintenanceOn,
			wantErr: "maintenance-on is not possible while maintenance (possible: maintenance-off): transition not allowed"},
		{name: "skip install", from: Ready, trigger: Installed,
			wantErr: "installed is not possible while ready (possible: inspect, provision, deprovision, maintenance-on): transition not allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Next(tt.from, tt.trigger, tt.heldFrom)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				require.ErrorIs(t, err, ErrTransition)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestAllowed(t *testing.T) {
	assert.Equal(t, []Trigger{Inspect, Provision, MaintenanceOn}, Allowed(Registered))
	assert.Equal(t, []Trigger{MaintenanceOff}, Allowed(Maintenance))
	assert.Equal(t, []Trigger{Inspected, Fail, MaintenanceOn}, Allowed(Inspecting))
}

func TestRecoveryPolicies(t *testing.T) {
	assert.Equal(t, Resume, Inspecting.Recovery())
	assert.Equal(t, Resume, Provisioning.Recovery())
	assert.Equal(t, Resume, Booting.Recovery())
	assert.Equal(t, Stable, Active.Recovery())
	assert.False(t, Failed.Transient())
}
