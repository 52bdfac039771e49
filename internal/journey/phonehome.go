package journey

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/slipway-dev/slipway/internal/agent"
	"github.com/slipway-dev/slipway/internal/fleet"
	"github.com/slipway-dev/slipway/internal/machine"
	"github.com/slipway-dev/slipway/internal/store"
)

// PhoneHome is the installed OS calling back with the token its seed
// carried (fields: cloud-init's phone_home form, instance_id and hostname).
// The machine becomes joining when it has a cluster to join, active when it
// has none. The token is then revoked.
func (s *Service) PhoneHome(ctx context.Context, r Request, token string, fields map[string]string) error {
	if !strings.HasPrefix(token, PhoneHomePrefix) || len(token) > 128 {
		return refuse(http.StatusNotFound, "token", "not a phone-home token")
	}
	for k, v := range fields {
		if len(k) > 64 || len(v) > 4096 {
			return refuse(http.StatusBadRequest, k, "form field too long")
		}
	}
	return s.update(ctx, func(tx *store.Tx) error {
		ph, err := tx.GetAgentSession(store.AgentSessionPhoneHome, hash(token))
		if err != nil {
			return refuse(http.StatusNotFound, "token", "phone-home token not valid: %v", err)
		}
		m, err := tx.GetMachine(ph.Machine)
		if err != nil {
			return err
		}
		if err := phonedHome(tx, m, r, fields); err != nil {
			return err
		}
		_, err = tx.RevokeAgentSessions(m.Name, store.AgentSessionPhoneHome)
		return err
	})
}

func phonedHome(tx *store.Tx, m store.Machine, r Request, fields map[string]string) error {
	msg := fmt.Sprintf("%s phoned home from %s", m.Name, r.Addr)
	if h := fields["hostname"]; h != "" && h != m.Name {
		msg += fmt.Sprintf(" (it calls itself %q)", h)
	}
	data := map[string]string{"address": r.Addr, "hostname": fields["hostname"], "instanceID": fields["instance_id"]}
	if err := event(tx, m.Name, agent.EventPhonedHome, "phoned-home", msg, data); err != nil {
		return err
	}
	cause := machine.Cause{Reason: "phone-home", Message: msg, Actor: "agent"}
	if m.State == string(machine.Provisioned) {
		// No BMC (the agent rebooted it), or the OS was quicker than the
		// worker recording the disk boot.
		if _, err := machine.Transition(tx, m.Name, machine.BootDisk, cause); err != nil {
			return err
		}
	}
	trigger := machine.Booted
	cluster, err := fleet.ClusterOf(tx, m.Name)
	if err != nil {
		return err
	}
	if cluster != "" {
		trigger = machine.PhonedHome
		cause.Message += "; joining cluster " + cluster
	}
	_, err = machine.Transition(tx, m.Name, trigger, cause)
	return err
}
