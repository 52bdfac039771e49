package journey

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/slipway-dev/slipway/internal/agent"
	"github.com/slipway-dev/slipway/internal/boot"
	"github.com/slipway-dev/slipway/internal/machine"
	"github.com/slipway-dev/slipway/internal/store"
)

// Claim exchanges a one-time boot token for an agent session. It is
// refused (and the refusal recorded as agent.claim-refused) for a token
// that was already claimed or expired, a MAC or name that is not the
// token's machine, a machine that is not inspecting or provisioning, and a
// second claim for a machine whose agent claimed from another address, or
// from the same address within DuplicateWindow (a second machine with the
// same MAC gets the same lease).
func (s *Service) Claim(ctx context.Context, r Request, req agent.ClaimRequest) (agent.ClaimResponse, error) {
	if !strings.HasPrefix(req.Token, boot.TokenPrefix) || len(req.Token) > 128 {
		return agent.ClaimResponse{}, refuse(http.StatusBadRequest, "token", "token: not a boot token (%s...)", boot.TokenPrefix)
	}
	mac, err := boot.ParseMAC(req.MAC)
	if err != nil {
		return agent.ClaimResponse{}, refuse(http.StatusBadRequest, "mac", "mac: %v", err)
	}
	var resp agent.ClaimResponse
	var refusal *Error
	var m store.Machine
	err = s.update(ctx, func(tx *store.Tx) error {
		m, refusal = s.claimable(tx, r, req, mac)
		if refusal != nil {
			return nil
		}
		var err error
		resp, err = s.openSession(tx, r, m)
		return err
	})
	if err != nil {
		return agent.ClaimResponse{}, err
	}
	if refusal != nil {
		s.recordRefusal(ctx, m.Name, req, mac, r, refusal)
		return agent.ClaimResponse{}, refusal
	}
	return resp, nil
}

// claimable claims the token and checks the machine may have a session.
func (s *Service) claimable(tx *store.Tx, r Request, req agent.ClaimRequest, mac string) (store.Machine, *Error) {
	tok, err := tx.ClaimBootToken(boot.HashToken(req.Token))
	switch {
	case errors.Is(err, store.ErrConflict):
		return store.Machine{}, asError(refuse(http.StatusConflict, "token", "boot token replayed: %v", err))
	case errors.Is(err, store.ErrNotFound):
		return store.Machine{}, asError(refuse(http.StatusUnauthorized, "token", "boot token not valid: %v", err))
	case err != nil:
		return store.Machine{}, asError(err)
	}
	m, err := tx.GetMachine(tok.Machine)
	if err != nil {
		return store.Machine{}, asError(err)
	}
	switch {
	case req.Machine != "" && req.Machine != m.Name:
		return m, asError(refuse(http.StatusForbidden, "machine", "the token belongs to %s, not %s", m.Name, req.Machine))
	case mac != m.MAC:
		return m, asError(refuse(http.StatusForbidden, "mac", "%s presented MAC %s but %s has MAC %s", r.Addr, mac, m.Name, m.MAC))
	case m.State != string(machine.Inspecting) && m.State != string(machine.Provisioning) && m.State != string(machine.Discovered):
		return m, asError(refuse(http.StatusConflict, "token", "%s is %s: no agent is expected", m.Name, m.State))
	}
	live, err := tx.LiveAgentSessions(m.Name, store.AgentSessionAgent)
	if err != nil {
		return m, asError(err)
	}
	for _, old := range live {
		if old.Addr != r.Addr || tx.Now().Sub(old.CreatedAt) < DuplicateWindow {
			return m, asError(refuse(http.StatusConflict, "mac", "%s already has an agent (claimed from %s %s ago): "+
				"is a second machine using MAC %s?", m.Name, old.Addr, tx.Now().Sub(old.CreatedAt).Round(time.Second), mac))
		}
	}
	return m, nil
}

// openSession revokes older sessions (an agent that started again after
// DuplicateWindow) and issues a new one.
func (s *Service) openSession(tx *store.Tx, r Request, m store.Machine) (agent.ClaimResponse, error) {
	if _, err := tx.RevokeAgentSessions(m.Name, store.AgentSessionAgent); err != nil {
		return agent.ClaimResponse{}, err
	}
	token := newToken(agent.SessionPrefix)
	sess := store.AgentSession{Hash: hash(token), Machine: m.Name, Kind: store.AgentSessionAgent, Addr: r.Addr,
		ExpiresAt: tx.Now().Add(s.cfg.SessionTTL)}
	if err := tx.CreateAgentSession(&sess); err != nil {
		return agent.ClaimResponse{}, err
	}
	msg := fmt.Sprintf("agent started on %s (%s)", m.Name, r.Addr)
	if err := event(tx, m.Name, agent.EventClaimed, "claimed", msg, map[string]string{"address": r.Addr}); err != nil {
		return agent.ClaimResponse{}, err
	}
	return agent.ClaimResponse{Session: token, Machine: m.Name, ExpiresAt: sess.ExpiresAt}, nil
}

// recordRefusal appends agent.claim-refused on the token's machine, else
// the one the request names (appliance-wide when it names none that exists).
func (s *Service) recordRefusal(ctx context.Context, name string, req agent.ClaimRequest, mac string, r Request, refusal *Error) {
	err := s.update(context.WithoutCancel(ctx), func(tx *store.Tx) error {
		if m, err := tx.GetMachineByMAC(mac); err == nil && name == "" {
			name = m.Name
		}
		if name == "" && req.Machine != "" {
			if _, err := tx.GetMachine(req.Machine); err == nil {
				name = req.Machine
			}
		}
		return event(tx, name, agent.EventClaimRefused, "refused", refusal.Msg,
			map[string]string{"address": r.Addr, "mac": mac})
	})
	if err != nil {
		s.log.Error("journey: record refused claim", "err", err)
	}
	s.log.Warn("agent claim refused", "mac", mac, "client", r.Addr, "why", refusal.Msg)
}

// asError returns err as *Error (an unexpected error becomes a 500).
func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Status: http.StatusInternalServerError, Msg: err.Error()}
}
