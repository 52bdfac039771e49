package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"
)

// manifestFile names, in a component's output directory, what was built.
const manifestFile = "manifest.json"

// manifest records a built component: versions and each binary's digest.
type manifest struct {
	Component    string   `json:"component"`
	Module       string   `json:"module"`
	Version      string   `json:"version"`
	GoVersion    string   `json:"goVersion"`
	BuildSeconds float64  `json:"buildSeconds"`
	Binaries     []binary `json:"binaries"`
}

type binary struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

func newManifest(c component, dir string, took time.Duration) (manifest, error) {
	m := manifest{Component: c.name, Module: c.module, Version: c.version, GoVersion: runtime.Version(),
		BuildSeconds: took.Round(time.Second).Seconds()}
	for _, name := range c.binaries() {
		sum, size, err := digest(filepath.Join(dir, name))
		if err != nil {
			return manifest{}, err
		}
		m.Binaries = append(m.Binaries, binary{Name: name, SHA256: sum, Size: size})
	}
	return m, nil
}

func readManifest(dir string) (manifest, error) {
	var m manifest
	data, err := os.ReadFile(filepath.Join(dir, manifestFile))
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return m, fmt.Errorf("%s: %w", filepath.Join(dir, manifestFile), err)
	}
	return m, nil
}

func (m manifest) write(dir string) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, manifestFile), append(data, '\n'), 0o644)
}

// verify checks that every binary the manifest names is in dir with its digest.
func (m manifest) verify(dir string) error {
	if len(m.Binaries) == 0 {
		return fmt.Errorf("manifest in %s names no binaries", dir)
	}
	for _, b := range m.Binaries {
		sum, _, err := digest(filepath.Join(dir, b.Name))
		if err != nil {
			return err
		}
		if sum != b.SHA256 {
			return fmt.Errorf("%s: sha256 %s, manifest says %s", filepath.Join(dir, b.Name), sum, b.SHA256)
		}
	}
	return nil
}

func digest(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("%s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}
