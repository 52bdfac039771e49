package bmc_test

import (
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/bmc"
	"github.com/slipway-dev/slipway/test/redfish"
)

const rfUser, rfPass = "root", "fake-redfish-pw"

func newFake(t *testing.T, tls bool) (*redfish.Fake, *x509.CertPool, string) {
	t.Helper()
	f := redfish.New(tls, rfUser, rfPass)
	t.Cleanup(f.Close)
	pool := x509.NewCertPool()
	addr := "redfish+http://" + strings.TrimPrefix(f.URL(), "http://")
	if tls {
		pool.AddCert(f.Server().Certificate())
		addr = "redfish://" + strings.TrimPrefix(f.URL(), "https://")
	}
	return f, pool, addr
}

func TestRedfishPowerBootMedia(t *testing.T) {
	for _, tls := range []bool{true, false} {
		t.Run(map[bool]string{true: "https", false: "http"}[tls], func(t *testing.T) {
			f, pool, addr := newFake(t, tls)
			r := newRigCAs(t, testConfig(), pool)
			r.addMachine(t, "rf-01", addr, rfUser, rfPass)

			require.NoError(t, r.run(t, "rf-01", "bootdev", map[string]string{"device": "pxe"}))
			require.NoError(t, r.run(t, "rf-01", "media-insert", map[string]string{"url": "http://127.0.0.1:8080/boot.iso"}))
			require.NoError(t, r.run(t, "rf-01", "power-on", nil))
			st := f.State()
			assert.Equal(t, "On", st.Power)
			assert.Equal(t, "Pxe", st.BootTarget)
			assert.Equal(t, "Once", st.BootOnce)
			assert.Equal(t, "UEFI", st.BootMode)
			assert.Equal(t, "http://127.0.0.1:8080/boot.iso", st.MediaImage)
			assert.Equal(t, bmc.PowerOn, r.machine(t, "rf-01").Power)

			require.NoError(t, r.run(t, "rf-01", "bootdev", map[string]string{"device": "disk", "persistent": "true", "mode": "legacy"}))
			assert.Equal(t, "Hdd", f.State().BootTarget)
			require.NoError(t, r.run(t, "rf-01", "power-cycle", nil))
			require.NoError(t, r.run(t, "rf-01", "media-eject", nil))
			assert.False(t, f.State().Inserted)
			require.NoError(t, r.run(t, "rf-01", "power-soft-off", nil))
			assert.Equal(t, "Off", f.State().Power)
			assert.Equal(t, 1, f.State().MaxActive, "one request at a time")

			es := r.events(t, "rf-01")
			assert.Equal(t, []string{"bootdev.set", "media.inserted", "power.requested", "power.verified", "bootdev.set",
				"power.requested", "power.verified", "media.ejected", "power.requested", "power.verified"}, types(es))
			assert.Contains(t, es[0].Message, "read back: pxe once, UEFI")
			assert.Contains(t, es[4].Message, "read back: disk persistent, legacy")
		})
	}
}

func TestRedfishFaults(t *testing.T) {
	tests := []struct {
		name    string
		fault   func(*redfish.Fake)
		kind    error
		message string
	}{
		{"ignores power", func(f *redfish.Fake) { f.SetFault(redfish.FaultIgnorePower, 0) }, bmc.ErrNotVerified,
			"BMC accepted power on but the machine is still off after 2s"},
		{"refuses the password", func(f *redfish.Fake) { f.SetFault(redfish.FaultRefuseAuth, 0) }, bmc.ErrAuth, "open session"},
		{"goes away", func(f *redfish.Fake) { f.GoAway() }, bmc.ErrUnreachable, "connection refused"},
		{"malformed JSON", func(f *redfish.Fake) { f.SetFault(redfish.FaultMalformed, 0) }, bmc.ErrMalformed, "open session"},
		{"slower than the call timeout", func(f *redfish.Fake) { f.SetFault(redfish.FaultSlow, 5*time.Second) }, bmc.ErrTimeout, "no answer within 3s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, pool, addr := newFake(t, true)
			r := newRigCAs(t, testConfig(), pool)
			r.addMachine(t, "m", addr, rfUser, rfPass)
			tt.fault(f)
			start := time.Now()
			err := r.run(t, "m", "power-on", nil)
			require.Error(t, err)
			assert.Less(t, time.Since(start), 20*time.Second, "bounded")
			assert.ErrorIs(t, err, tt.kind, err.Error())
			assert.Contains(t, err.Error(), tt.message)
			es := r.events(t, "m")
			assert.Equal(t, "bmc.error", es[len(es)-1].Type)
			assert.NotContains(t, r.logs.String()+err.Error(), rfPass)
			assert.NotEqual(t, bmc.PowerOn, r.machine(t, "m").Power)
		})
	}
}
