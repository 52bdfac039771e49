package rack

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/slipway-dev/slipway/test/rack/node"
)

// Proc is a process the rack started inside its namespace, with its output
// in a log file.
type Proc struct {
	Name string
	Log  string // stdout and stderr
	Cmd  *exec.Cmd
	done chan struct{}
}

// start runs name inside the namespace (ip netns exec execs it: the PID
// is the program's own), output to Dir/logs/<label>.log.
func (r *Rack) spawn(label string, name string, args ...string) (*Proc, error) {
	logDir := filepath.Join(r.Dir, "logs")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return nil, fmt.Errorf("rack: %w", err)
	}
	p := &Proc{Name: label, Log: filepath.Join(logDir, label+".log"), done: make(chan struct{})}
	f, err := os.OpenFile(p.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("rack: %s log: %w", label, err)
	}
	defer f.Close()
	p.Cmd = exec.Command("ip", append([]string{"netns", "exec", r.cfg.Namespace, name}, args...)...)
	p.Cmd.Stdout, p.Cmd.Stderr = f, f
	// Its own process group: a Ctrl-C at the terminal reaches only the
	// harness, which then stops everything in order.
	p.Cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.Cmd.Start(); err != nil {
		return nil, fmt.Errorf("rack: start %s: %w", label, err)
	}
	go func() { _ = p.Cmd.Wait(); close(p.done) }()
	r.cfg.Log.Debug("started", "proc", label, "pid", p.Cmd.Process.Pid)
	return p, nil
}

// PID is the process id.
func (p *Proc) PID() int { return p.Cmd.Process.Pid }

// Exited is closed when the process has ended.
func (p *Proc) Exited() <-chan struct{} { return p.done }

// Output is what the process has written so far.
func (p *Proc) Output() string {
	b, _ := os.ReadFile(p.Log)
	return string(b)
}

// Kill sends SIGKILL to the process (by PID) and waits for it.
func (p *Proc) Kill() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.Cmd.Process.Signal(syscall.SIGCONT)
	_ = p.Cmd.Process.Kill()
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
	}
}

// Stop asks the process to end (SIGTERM), then kills it after grace.
func (p *Proc) Stop(grace time.Duration) {
	_ = p.Cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		p.Kill()
	}
}

// alive is node.Alive (a zombie counts as dead).
func alive(pid int) bool { return node.Alive(pid) }
