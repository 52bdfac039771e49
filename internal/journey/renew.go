package journey

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/slipway-dev/slipway/internal/cloudinit"
	"github.com/slipway-dev/slipway/internal/fleet"
	"github.com/slipway-dev/slipway/internal/kube"
	"github.com/slipway-dev/slipway/internal/store"
)

// RenewPrefix starts every renew token.
const RenewPrefix = "slwr_"

// renewFiles adds to a cluster member's seed what its renewal service
// (kube.RenewScript) needs: a new renew token (the machine's older ones are
// revoked), the appliance's CA and the API's URL. The token lives as long
// as the cluster's CA (a node renews yearly on the seed's token, which comes
// back at every reboot); a new install revokes it. Without a CA (plain
// HTTP API) the node gets none and its renewal unit does not start.
func (s *Service) renewFiles(tx *store.Tx, r Request, name, cluster string, d *cloudinit.Data) error {
	if _, err := tx.RevokeAgentSessions(name, store.AgentSessionRenew); err != nil {
		return err
	}
	if cluster == "" || len(s.cfg.CAPEM) == 0 {
		return nil
	}
	token := newToken(RenewPrefix)
	sess := store.AgentSession{Hash: hash(token), Machine: name, Kind: store.AgentSessionRenew, Addr: r.Addr,
		ExpiresAt: tx.Now().Add(kube.CAValidity)}
	if err := tx.CreateAgentSession(&sess); err != nil {
		return err
	}
	url := s.cfg.APIURL
	if url == "" {
		url = "https://" + r.Host
	}
	d.Files = append(d.Files,
		cloudinit.File{Path: kube.RenewTokenFile, Mode: 0o600, Content: []byte(token + "\n")},
		cloudinit.File{Path: kube.RenewCAFile, Mode: 0o644, Content: s.cfg.CAPEM},
		cloudinit.File{Path: kube.RenewURLFile, Mode: 0o644, Content: []byte(url + "\n")})
	return nil
}

// Renew answers a cluster node's renewal script: the renew token names the
// machine, the cluster controller decides (nil: nothing is due). A token
// that is not a live renew token is 401; a machine that may not renew
// (failed, no longer a member) is 403. It returns the token's machine.
func (s *Service) Renew(ctx context.Context, token string, req fleet.RenewRequest) (string, *fleet.Renewal, error) {
	if !strings.HasPrefix(token, RenewPrefix) || len(token) > 128 {
		return "", nil, refuse(http.StatusUnauthorized, "Authorization", "not a renew token (%s...)", RenewPrefix)
	}
	if s.cfg.Clusters == nil {
		return "", nil, refuse(http.StatusServiceUnavailable, "", "this appliance does not build clusters")
	}
	var out *fleet.Renewal
	var machine string
	err := s.update(ctx, func(tx *store.Tx) error {
		sess, err := tx.GetAgentSession(store.AgentSessionRenew, hash(token))
		if errors.Is(err, store.ErrNotFound) {
			return refuse(http.StatusUnauthorized, "Authorization", "the renew token is not valid: %v", err)
		}
		if err != nil {
			return err
		}
		machine = sess.Machine
		out, err = s.cfg.Clusters.Renewal(tx, machine, req)
		if errors.Is(err, fleet.ErrRefused) {
			return refuse(http.StatusForbidden, "machine", "%v", err)
		}
		return err
	})
	if err != nil {
		return machine, nil, err
	}
	if out != nil {
		s.log.Info("renewed a node's certificates", "machine", machine, "serial", out.Serial, "why", out.Why, "files", len(out.Files))
	}
	return machine, out, nil
}
