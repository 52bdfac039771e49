package fleet

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/slipway-dev/slipway/internal/kube"
	"github.com/slipway-dev/slipway/internal/machine"
)

// waiting are the states of a machine on its way to phoning home.
var waiting = []string{string(machine.Inspecting), string(machine.Provisioning), string(machine.Provisioned), string(machine.Booting)}

// status computes the cluster's Status from what was read and observed.
func (c *Controller) status(v *view, obs observation, r *record) Status {
	now := c.now().UTC()
	prev := r.status
	st := Status{Version: v.spec.KubernetesVersion, Endpoint: v.cluster.Endpoint, CheckedAt: now,
		Heartbeat: prev.Heartbeat, API: APIStatus{Ready: obs.ready, Error: obs.apiErr}}
	for _, f := range v.fleets {
		st.Fleets = append(st.Fleets, f.name)
	}
	if obs.ready {
		st.Heartbeat = now
	}
	st.nodes(v, obs, r)
	st.certs(r, now, c.cfg.ExpiryWarning)
	st.Phase, st.Message, st.Stuck = c.phase(v, obs, &st, prev, now)
	st.Since = prev.Since
	if st.Phase != prev.Phase || st.Since.IsZero() {
		st.Since = now
	}
	return st
}

func (st *Status) nodes(v *view, obs observation, r *record) {
	versions := map[string]bool{}
	for _, m := range v.members {
		n := obs.nodes[m.Name]
		_, registered := obs.nodes[m.Name]
		st.Nodes = append(st.Nodes, NodeStatus{Name: m.Name, Role: string(m.Role), Machine: m.State,
			Registered: registered, Ready: n.ready, Version: n.version, PodCIDR: r.st.PodCIDRs[m.Name]})
		if n.ready {
			st.NodesReady++
		}
		if n.version != "" {
			versions[n.version] = true
		}
	}
	st.NodesTotal = len(v.members)
	for ver := range versions {
		st.Versions = append(st.Versions, ver)
	}
	slices.Sort(st.Versions)
}

func (st *Status) certs(r *record, now time.Time, window time.Duration) {
	all := map[string]time.Time{"ca": r.pki.CA.Cert.NotAfter, "etcd-ca": r.pki.EtcdCA.Cert.NotAfter,
		"front-proxy-ca": r.pki.FrontProxyCA.Cert.NotAfter}
	for k, t := range r.st.Certs {
		all[k] = t
	}
	for k, t := range all {
		if st.CertsExpire.IsZero() || t.Before(st.CertsExpire) {
			st.CertsExpire = t.UTC()
		}
		if t.Sub(now) < window {
			st.Expiring = append(st.Expiring, k)
		}
	}
	slices.Sort(st.Expiring)
}

// phase decides the phase, its message and whether it is stuck.
func (c *Controller) phase(v *view, obs observation, st *Status, prev Status, now time.Time) (string, string, *Stuck) {
	if v.refused != nil {
		return PhaseRefused, v.refused.Error(), nil
	}
	if s := c.failedMember(v, now); s != nil {
		return PhaseStuck, s.Reason, s
	}
	switch {
	case !obs.probed && !v.started():
		return PhasePending, "no member is being provisioned (slipway provision " + strings.Join(v.names(), " ") + ")", nil
	case !obs.probed:
		return c.provisioning(v, now)
	case !obs.ready && !prev.Heartbeat.IsZero():
		return PhaseDegraded, "the API stopped answering: " + obs.apiErr, nil
	case !obs.ready:
		return c.starting(v, obs, now)
	case st.NodesReady == st.NodesTotal:
		return PhaseReady, fmt.Sprintf("%d/%d nodes Ready", st.NodesReady, st.NodesTotal), nil
	case prev.Phase == PhaseReady || prev.Phase == PhaseDegraded:
		return PhaseDegraded, "not Ready: " + strings.Join(st.notReady(), ", "), nil
	}
	return c.joining(v, st, now)
}

func (v *view) started() bool {
	for _, m := range v.members {
		if slices.Contains(waiting, m.State) || slices.Contains(upStates, m.State) || m.State == string(machine.Failed) {
			return true
		}
	}
	return false
}

func (v *view) names() []string {
	var out []string
	for _, m := range v.members {
		out = append(out, m.Name)
	}
	return out
}

func (st *Status) notReady() []string {
	var out []string
	for _, n := range st.Nodes {
		if !n.Ready {
			out = append(out, n.Name+" ("+or(n.Machine, "unknown")+")")
		}
	}
	return out
}

// failedMember reports the first failed member: the cluster cannot form
// (or lost a node) until someone resets or re-provisions it.
func (c *Controller) failedMember(v *view, now time.Time) *Stuck {
	for _, m := range v.members {
		if m.State == string(machine.Failed) {
			return &Stuck{Phase: PhaseProvisioning, Machine: m.Name, Since: m.Since,
				Reason: fmt.Sprintf("%s %s failed: %s", roleWord(m.Role), m.Name, v.reason(m.Name))}
		}
	}
	return nil
}

func (v *view) reason(name string) string {
	for _, m := range v.members {
		if m.Name == name {
			return or(m.Reason, "no reason recorded")
		}
	}
	return "not a member"
}

func roleWord(r kube.Role) string {
	if r == kube.RoleControlPlane {
		return "control plane"
	}
	return "worker"
}

// provisioning: no control-plane machine has phoned home yet.
func (c *Controller) provisioning(v *view, now time.Time) (string, string, *Stuck) {
	var parts []string
	for _, m := range v.members {
		if m.Role != kube.RoleControlPlane {
			continue
		}
		age := now.Sub(m.Since).Round(time.Second)
		parts = append(parts, fmt.Sprintf("%s %s for %s", m.Name, or(m.State, "unknown"), age))
		if slices.Contains(waiting, m.State) && age > c.cfg.StuckAfter {
			return PhaseStuck, "", &Stuck{Phase: PhaseProvisioning, Machine: m.Name, Since: m.Since,
				Reason: fmt.Sprintf("control plane %s has been %s for %s without phoning home (%s)", m.Name, m.State, age, v.reason(m.Name))}
		}
	}
	return PhaseProvisioning, "waiting for the control plane to phone home: " + strings.Join(parts, ", "), nil
}

// starting: a control-plane machine phoned home, its API is not ready.
func (c *Controller) starting(v *view, obs observation, now time.Time) (string, string, *Stuck) {
	msg := fmt.Sprintf("waiting for https://%s/readyz: %s", v.cluster.Endpoint, obs.apiErr)
	for _, m := range v.members {
		if m.Role == kube.RoleControlPlane && slices.Contains(upStates, m.State) && now.Sub(m.Since) > c.cfg.StuckAfter {
			age := now.Sub(m.Since).Round(time.Second)
			return PhaseStuck, msg, &Stuck{Phase: PhaseStarting, Machine: m.Name, Since: m.Since,
				Reason: fmt.Sprintf("the API at https://%s is not ready %s after %s phoned home: %s", v.cluster.Endpoint, age, m.Name, obs.apiErr)}
		}
	}
	return PhaseStarting, msg, nil
}

// joining: the API answers; some nodes are not Ready yet.
func (c *Controller) joining(v *view, st *Status, now time.Time) (string, string, *Stuck) {
	msg := fmt.Sprintf("%d/%d nodes Ready; waiting for %s", st.NodesReady, st.NodesTotal, strings.Join(st.notReady(), ", "))
	for _, m := range v.members {
		n := st.node(m.Name)
		if n.Ready || !slices.Contains(upStates, m.State) || now.Sub(m.Since) <= c.cfg.StuckAfter {
			continue
		}
		age := now.Sub(m.Since).Round(time.Second)
		why := "no Node registered (kubelet TLS bootstrap has not succeeded)"
		if n.Registered {
			why = "its Node is registered but not Ready"
		}
		return PhaseStuck, msg, &Stuck{Phase: PhaseJoining, Machine: m.Name, Since: m.Since,
			Reason: fmt.Sprintf("%s phoned home %s ago: %s", m.Name, age, why)}
	}
	return PhaseJoining, msg, nil
}

func (st *Status) node(name string) NodeStatus {
	for _, n := range st.Nodes {
		if n.Name == name {
			return n
		}
	}
	return NodeStatus{}
}
