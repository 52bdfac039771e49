package kubeapi

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/internal/kube"
	"k8s.io/client-go/tools/clientcmd"
)

// process is one started binary whose output goes to a log file.
type process struct {
	name, logPath string
	cmd           *exec.Cmd
	done          chan struct{}
	err           error // Wait's result, set before done closes
}

func startProcess(t testing.TB, dir, name, bin string, args ...string) *process {
	t.Helper()
	p := &process{name: name, logPath: filepath.Join(dir, name+".log"), done: make(chan struct{})}
	log, err := os.Create(p.logPath)
	if err != nil {
		t.Fatalf("kubeapi: %s: %v", name, err)
	}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Stdout, p.cmd.Stderr = log, log
	if err := p.cmd.Start(); err != nil {
		log.Close()
		t.Fatalf("kubeapi: start %s: %v", name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		log.Close()
		close(p.done)
	}()
	return p
}

func (p *process) exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.err
	default:
		return false, nil
	}
}

// kill kills the process by its PID and waits for it.
func (p *process) kill(t testing.TB) {
	if exited, _ := p.exited(); exited {
		return
	}
	if err := p.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Logf("kubeapi: kill %s (pid %d): %v", p.name, p.cmd.Process.Pid, err)
	}
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		t.Errorf("kubeapi: %s (pid %d) did not exit after SIGKILL", p.name, p.cmd.Process.Pid)
	}
}

// tail returns the last n bytes of the log.
func (p *process) tail(n int) string {
	data, err := os.ReadFile(p.logPath)
	if err != nil {
		return err.Error()
	}
	if len(data) > n {
		data = data[len(data)-n:]
	}
	return string(data)
}

// freePorts returns n distinct free loopback ports (held open together
// while choosing, so they differ; another process could still take one
// before the daemon binds it).
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("kubeapi: free port: %v", err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

// writeFiles writes fs under root.
func writeFiles(root string, fs kube.FileSet) error {
	for _, p := range fs.Paths() {
		dst := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dst, fs[p].Data, fs[p].Mode); err != nil {
			return err
		}
	}
	return nil
}

// retarget points every cluster of the kubeconfig at path to server.
func retarget(fs kube.FileSet, path, server string) error {
	f, ok := fs[path]
	if !ok {
		return fmt.Errorf("%s: not issued", path)
	}
	cfg, err := clientcmd.Load(f.Data)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	for _, c := range cfg.Clusters {
		c.Server = server
	}
	data, err := clientcmd.Write(*cfg)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	f.Data = data
	fs[path] = f
	return nil
}
