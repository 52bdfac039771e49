package journey

import (
	"context"
	"fmt"
	"math"
	"net/http"

	"github.com/slipway-dev/slipway/internal/agent"
	"github.com/slipway-dev/slipway/internal/machine"
	"github.com/slipway-dev/slipway/internal/store"
)

// Progress records one progress report as an install.progress event and
// the machine's live phase ("installing 42% at 31.5 MB/s").
func (s *Service) Progress(ctx context.Context, token string, p agent.Progress) error {
	if err := validateProgress(p); err != nil {
		return err
	}
	return s.update(ctx, func(tx *store.Tx) error {
		m, err := session(tx, token)
		if err != nil {
			return err
		}
		typ := agent.EventProgress
		m.Phase = phaseText(p)
		if p.Phase == agent.PhaseAgent {
			typ, m.Phase = "agent.error", "agent: "+p.Message
		}
		if err := tx.UpdateMachine(&m, m.Revision); err != nil {
			return err
		}
		return event(tx, m.Name, typ, p.Phase, m.Phase, p)
	})
}

func phaseText(p agent.Progress) string {
	verb := map[string]string{agent.PhaseDownload: "installing", agent.PhaseVerify: "verifying",
		agent.PhaseSeed: "writing the seed", agent.PhaseWipe: "wiping"}[p.Phase]
	t := verb
	if p.Total > 0 {
		t += fmt.Sprintf(" %d%%", min(100, p.Bytes*100/p.Total))
	}
	if p.BytesPerSec > 0 {
		t += fmt.Sprintf(" at %.1f MB/s", p.BytesPerSec/1e6)
	}
	return t
}

func validateProgress(p agent.Progress) error {
	switch p.Phase {
	case agent.PhaseDownload, agent.PhaseVerify, agent.PhaseSeed, agent.PhaseWipe, agent.PhaseAgent:
	default:
		return refuse(http.StatusBadRequest, "phase", "phase: %q is not a progress phase", p.Phase)
	}
	if p.Bytes < 0 || p.Total < 0 || p.Resumes < 0 || p.BytesPerSec < 0 || math.IsNaN(p.BytesPerSec) || math.IsInf(p.BytesPerSec, 0) {
		return refuse(http.StatusBadRequest, "bytes", "bytes, total, bytesPerSec and resumes must be finite and not negative")
	}
	if len(p.Message) > 1024 {
		return refuse(http.StatusBadRequest, "message", "message: longer than 1024 bytes")
	}
	return nil
}

// Result ends the agent's action: a verified install makes the machine
// provisioned (the worker then boots it from disk), a failed one fails it
// with the agent's reason; a wipe makes it ready. The answer is what the
// agent does next.
func (s *Service) Result(ctx context.Context, token string, res agent.Result) (agent.Task, error) {
	if err := validateResult(res); err != nil {
		return agent.Task{}, err
	}
	var task agent.Task
	err := s.update(ctx, func(tx *store.Tx) error {
		m, err := session(tx, token)
		if err != nil {
			return err
		}
		switch res.Action {
		case agent.ActionInstall:
			task, err = s.installResult(tx, m, res)
		default:
			task, err = wipeResult(tx, m, res)
		}
		if err != nil {
			return err
		}
		_, err = tx.RevokeAgentSessions(m.Name, store.AgentSessionAgent)
		return err
	})
	return task, err
}

func (s *Service) installResult(tx *store.Tx, m store.Machine, res agent.Result) (agent.Task, error) {
	if m.State != string(machine.Provisioning) {
		return agent.Task{}, refuse(http.StatusConflict, "action", "%s is %s, not provisioning: result ignored", m.Name, m.State)
	}
	spec, err := machineSpec(tx, m.Name)
	if err != nil {
		return agent.Task{}, err
	}
	if res.OK {
		if st, err := tx.GetImageStatus(spec.Image); err != nil || st.RawSHA256 != res.SHA256 {
			res.OK, res.Phase = false, agent.PhaseVerify
			res.Error = fmt.Sprintf("the disk holds sha256 %s, image %s is %s", res.SHA256, spec.Image, st.RawSHA256)
		}
	}
	cause := machine.Cause{Reason: "agent", Actor: "agent"}
	if !res.OK {
		cause.Message = failureText(res)
		if err := event(tx, m.Name, agent.EventInstallFailed, res.Phase, cause.Message, res); err != nil {
			return agent.Task{}, err
		}
		if _, err := machine.Transition(tx, m.Name, machine.Fail, cause); err != nil {
			return agent.Task{}, err
		}
		return agent.Task{Action: agent.ActionPowerOff, Reason: cause.Message}, nil
	}
	cause.Message = fmt.Sprintf("installed %s on %s: %s verified in %.1f s (%.1f MB/s, %d resumes)", spec.Image, res.Disk,
		gib(res.Bytes), float64(res.DurationMS)/1000, res.MBPerSec, res.Resumes)
	if err := event(tx, m.Name, agent.EventInstalled, "verified", cause.Message, res); err != nil {
		return agent.Task{}, err
	}
	if _, err := machine.Transition(tx, m.Name, machine.Installed, cause); err != nil {
		return agent.Task{}, err
	}
	if spec.BMC == nil {
		return agent.Task{Action: agent.ActionReboot, Reason: "installed; no BMC: reboot to the disk"}, nil
	}
	return agent.Task{Action: agent.ActionWait, Reason: "installed; the BMC boots the disk"}, nil
}

func wipeResult(tx *store.Tx, m store.Machine, res agent.Result) (agent.Task, error) {
	if m.State != string(machine.Inspecting) {
		return agent.Task{}, refuse(http.StatusConflict, "action", "%s is %s, not inspecting: result ignored", m.Name, m.State)
	}
	cause := machine.Cause{Reason: "agent", Actor: "agent"}
	if !res.OK {
		cause.Message = failureText(res)
		if _, err := machine.Transition(tx, m.Name, machine.Fail, cause); err != nil {
			return agent.Task{}, err
		}
		return agent.Task{Action: agent.ActionPowerOff, Reason: cause.Message}, nil
	}
	if err := event(tx, m.Name, agent.EventWiped, "wiped", "disks wiped", res); err != nil {
		return agent.Task{}, err
	}
	cause.Message = "deprovisioned: disks wiped"
	if _, err := machine.Transition(tx, m.Name, machine.Inspected, cause); err != nil {
		return agent.Task{}, err
	}
	return agent.Task{Action: agent.ActionPowerOff, Reason: "wiped"}, nil
}

func failureText(res agent.Result) string {
	t := fmt.Sprintf("%s failed", res.Action)
	if res.Phase != "" {
		t += " in " + res.Phase
	}
	t += ": " + res.Error
	if res.Wiped {
		t += " (first and last MiB wiped: the disk cannot boot a partial image)"
	}
	return t
}

func validateResult(r agent.Result) error {
	switch {
	case r.Action != agent.ActionInstall && r.Action != agent.ActionWipe:
		return refuse(http.StatusBadRequest, "action", "action: %q is not install or wipe", r.Action)
	case !r.OK && r.Error == "":
		return refuse(http.StatusBadRequest, "error", "error: required when ok is false")
	case len(r.Error) > 4096:
		return refuse(http.StatusBadRequest, "error", "error: longer than 4096 bytes")
	case r.Bytes < 0 || r.DurationMS < 0 || r.Resumes < 0:
		return refuse(http.StatusBadRequest, "bytes", "bytes, durationMs and resumes must not be negative")
	}
	return nil
}
