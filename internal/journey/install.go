package journey

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"

	"github.com/slipway-dev/slipway/internal/agent"
	"github.com/slipway-dev/slipway/internal/cloudinit"
	"github.com/slipway-dev/slipway/internal/fleet"
	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/machine"
	"github.com/slipway-dev/slipway/internal/store"
)

// installTask builds the install of the machine's declared image, with its
// cloud-init seed and a new phone-home token. A machine with no image, or
// an image that is not ready, fails with the reason.
func (s *Service) installTask(tx *store.Tx, r Request, m store.Machine, spec inventory.MachineSpec) (agent.Task, error) {
	inst, why, err := s.install(tx, r, m, spec)
	if err != nil {
		return agent.Task{}, err
	}
	if why != "" {
		cause := machine.Cause{Reason: "install", Message: why, Actor: "agent"}
		if _, err := machine.Transition(tx, m.Name, machine.Fail, cause); err != nil {
			return agent.Task{}, err
		}
		return agent.Task{Action: agent.ActionPowerOff, Reason: why}, nil
	}
	msg := fmt.Sprintf("installing %s (%s, %s to write)", inst.Image, inst.Format, gib(inst.RawSize))
	data := map[string]any{"image": inst.Image, "format": inst.Format, "size": inst.Size, "rawSize": inst.RawSize}
	if err := event(tx, m.Name, agent.EventInstallStart, "install", msg, data); err != nil {
		return agent.Task{}, err
	}
	return agent.Task{Action: agent.ActionInstall, Install: inst}, nil
}

// install returns the Install, or why there is none.
func (s *Service) install(tx *store.Tx, r Request, m store.Machine, spec inventory.MachineSpec) (*agent.Install, string, error) {
	if spec.Image == "" {
		return nil, m.Name + " declares no image (spec.image)", nil
	}
	st, err := tx.GetImageStatus(spec.Image)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, fmt.Sprintf("image %s has not been imported", spec.Image), nil
	case err != nil:
		return nil, "", err
	case st.Status != store.ImageReady:
		return nil, fmt.Sprintf("image %s is %s: %s", spec.Image, st.Status, st.Reason), nil
	case st.RawSize <= 0 || st.RawSHA256 == "":
		return nil, fmt.Sprintf("image %s has no raw size recorded (re-import it)", spec.Image), nil
	}
	base := s.bootBase(r)
	seed, why, err := s.seed(tx, r, m, spec, base)
	if err != nil || why != "" {
		return nil, why, err
	}
	return &agent.Install{
		Image: spec.Image, URL: base + "/images/" + url.PathEscape(spec.Image), Format: st.Format,
		SHA256: st.SHA256, Size: st.Size, RawSHA256: st.RawSHA256, RawSize: st.RawSize, Seed: seed,
	}, "", nil
}

// seed renders the machine's cloud-init seed with a new phone-home token
// (older ones are revoked) and, for a cluster member, its node bundle; a
// cluster that cannot be built is the reason there is none (and no new
// token is left behind: the refused machine gets no seed to carry it).
func (s *Service) seed(tx *store.Tx, r Request, m store.Machine, spec inventory.MachineSpec, base string) (*agent.Seed, string, error) {
	if _, err := tx.RevokeAgentSessions(m.Name, store.AgentSessionPhoneHome); err != nil {
		return nil, "", err
	}
	d := cloudinit.Data{
		InstanceID: fmt.Sprintf("%s-%d", m.Name, tx.Now().Unix()), Hostname: m.Name, MAC: m.MAC,
		SSHKeys: s.cfg.SSHKeys,
	}
	if err := staticAddress(tx, spec, &d); err != nil {
		return nil, "", err
	}
	cluster, err := fleet.ClusterOf(tx, m.Name)
	if err != nil {
		return nil, "", err
	}
	if why, err := s.clusterFiles(tx, m.Name, cluster, &d); err != nil || why != "" {
		return nil, why, err
	}
	if err := s.renewFiles(tx, r, m.Name, cluster, &d); err != nil {
		return nil, "", err
	}
	token := newToken(PhoneHomePrefix)
	ph := store.AgentSession{Hash: hash(token), Machine: m.Name, Kind: store.AgentSessionPhoneHome,
		ExpiresAt: tx.Now().Add(s.cfg.PhoneHomeTTL)}
	if err := tx.CreateAgentSession(&ph); err != nil {
		return nil, "", err
	}
	d.PhoneHomeURL = base + PhoneHomePath + token
	seed, err := cloudinit.Render(d)
	return seed, "", err
}

// clusterFiles adds a cluster member's node bundle and units to its seed.
func (s *Service) clusterFiles(tx *store.Tx, name, cluster string, d *cloudinit.Data) (string, error) {
	if cluster == "" {
		return "", nil
	}
	if s.cfg.Clusters == nil {
		return fmt.Sprintf("%s is a member of cluster %s but this appliance does not build clusters", name, cluster), nil
	}
	ns, err := s.cfg.Clusters.NodeSeed(tx, name, cluster)
	if errors.Is(err, fleet.ErrRefused) {
		return err.Error(), nil
	}
	if err != nil {
		return "", err
	}
	for _, p := range ns.Files.Paths() {
		d.Files = append(d.Files, cloudinit.File{Path: p, Mode: ns.Files[p].Mode, Content: ns.Files[p].Data})
	}
	d.Units = ns.Units
	return "", nil
}

// staticAddress fills the reserved address, gateway and DNS of a machine
// that declares spec.ip on a declared network (else the OS uses DHCP).
func staticAddress(tx *store.Tx, spec inventory.MachineSpec, d *cloudinit.Data) error {
	if spec.IP == "" || spec.Network == "" {
		return nil
	}
	o, err := tx.GetObject(string(inventory.KindNetwork), spec.Network)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	var n inventory.NetworkSpec
	if err := json.Unmarshal(o.Spec, &n); err != nil {
		return fmt.Errorf("network %s: spec: %w", spec.Network, err)
	}
	subnet, err := netip.ParsePrefix(n.Subnet)
	if err != nil {
		return fmt.Errorf("network %s: subnet: %w", spec.Network, err)
	}
	d.Address = fmt.Sprintf("%s/%d", strings.TrimSpace(spec.IP), subnet.Bits())
	d.Gateway, d.DNS = n.Gateway, n.DNS
	return nil
}
