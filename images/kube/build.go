package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// builder builds components into root/<name>/<version>/ through a throwaway
// module in root/<name>/build/<version>/.
type builder struct {
	root  string
	goBin string
	log   *slog.Logger
}

// outDir is where a component's binaries and manifest live.
func (b builder) outDir(c component) string { return filepath.Join(b.root, c.name, c.version) }

// build makes c unless its manifest already names binaries with those digests.
func (b builder) build(ctx context.Context, c component) (manifest, error) {
	out := b.outDir(c)
	if m, err := readManifest(out); err == nil {
		if err := m.verify(out); err == nil {
			b.log.Info("up to date", "component", c.name, "version", c.version, "dir", out)
			return m, nil
		}
	}
	start := time.Now()
	work := filepath.Join(b.root, c.name, "build", c.version)
	if err := b.prepare(ctx, c, work); err != nil {
		return manifest{}, fmt.Errorf("%s %s: %w", c.name, c.version, err)
	}
	tmp := out + ".tmp"
	if err := os.RemoveAll(tmp); err != nil {
		return manifest{}, err
	}
	if err := b.compile(ctx, c, work, tmp); err != nil {
		return manifest{}, fmt.Errorf("%s %s: %w", c.name, c.version, err)
	}
	if err := b.checkVersion(ctx, c, tmp); err != nil {
		return manifest{}, fmt.Errorf("%s %s: %w", c.name, c.version, err)
	}
	m, err := newManifest(c, tmp, time.Since(start))
	if err != nil {
		return manifest{}, err
	}
	if err := m.write(tmp); err != nil {
		return manifest{}, err
	}
	if err := os.RemoveAll(out); err != nil {
		return manifest{}, err
	}
	if err := os.Rename(tmp, out); err != nil {
		return manifest{}, err
	}
	b.log.Info("built", "component", c.name, "version", c.version, "dir", out, "seconds", m.BuildSeconds)
	return m, nil
}

// prepare writes the throwaway module (go.mod from upstream's, tools.go) and
// resolves its dependencies with go mod tidy.
func (b builder) prepare(ctx context.Context, c component, work string) error {
	if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	raw, err := b.goCmd(ctx, work, nil, "mod", "download", "-json", c.module+"@"+c.version)
	if err != nil {
		return fmt.Errorf("download %s@%s: %w", c.module, c.version, err)
	}
	var info struct{ GoMod, Error string }
	if err := json.Unmarshal(raw, &info); err != nil || info.GoMod == "" {
		return fmt.Errorf("download %s@%s: no go.mod (%v %s)", c.module, c.version, err, info.Error)
	}
	upstream, err := os.ReadFile(info.GoMod)
	if err != nil {
		return err
	}
	gomod, err := c.goMod(upstream)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(work, "go.mod"), gomod, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(work, "tools.go"), toolsGo(c.commands), 0o644); err != nil {
		return err
	}
	if _, err := b.goCmd(ctx, work, nil, "mod", "tidy"); err != nil {
		return fmt.Errorf("go mod tidy in %s: %w", work, err)
	}
	return nil
}

func (b builder) compile(ctx context.Context, c component, work, out string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	env := []string{"CGO_ENABLED=0"}
	if c.cgo {
		env = []string{"CGO_ENABLED=1"}
	}
	args := []string{"build", "-trimpath", "-ldflags", c.ldflags, "-o", out + "/"}
	if c.tags != "" {
		args = append(args, "-tags", c.tags)
	}
	args = append(args, c.commands...)
	b.log.Info("compiling", "component", c.name, "version", c.version, "commands", len(c.commands))
	_, err := b.goCmd(ctx, work, env, args...)
	return err
}

// checkVersion runs the component's version binary and requires it to print
// the version it was built as (without ldflags Kubernetes says v0.0.0-master).
func (b builder) checkVersion(ctx context.Context, c component, dir string) error {
	cmd := exec.CommandContext(ctx, filepath.Join(dir, c.versionBinary), c.versionArgs...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w: %s", c.versionBinary, strings.Join(c.versionArgs, " "), err, out)
	}
	if !bytes.Contains(out, []byte(c.version)) {
		return fmt.Errorf("%s reports %q, want %s", c.versionBinary, strings.TrimSpace(string(out)), c.version)
	}
	b.log.Info("version", "binary", c.versionBinary, "output", strings.TrimSpace(string(out)))
	return nil
}

// goCmd runs go in a throwaway module dir (dependencies resolved freely).
func (b builder) goCmd(ctx context.Context, dir string, env []string, args ...string) ([]byte, error) {
	return b.goCmdIn(ctx, dir, append([]string{"GOWORK=off", "GOFLAGS=-mod=mod"}, env...), args...)
}

// goCmdIn runs go in dir ("" for the current directory) with env added.
func (b builder) goCmdIn(ctx context.Context, dir string, env []string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, b.goBin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, tail(stderr.String(), 4000))
	}
	return stdout.Bytes(), nil
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
