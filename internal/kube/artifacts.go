package kube

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// Binaries a node needs, by component (what images/kube builds).
var (
	KubeBinaries       = []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy"}
	ContainerdBinaries = []string{"containerd", "containerd-shim-runc-v2", "ctr"}
)

// Artifact is one built binary as images/kube's manifest.json records it.
type Artifact struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	Path   string `json:"-"` // where it is on the appliance
}

// ErrNoArtifacts means the appliance has no binaries for a version: a
// Cluster asking for it is refused with this reason.
var ErrNoArtifacts = errors.New("no artifacts")

// LoadArtifacts reads CACHE/COMPONENT/VERSION/manifest.json (component kube
// or containerd) and checks that it names every binary in want and that
// each file is there with its size. Digests are checked when serving.
func LoadArtifacts(cache, component, version string, want []string) ([]Artifact, error) {
	dir := filepath.Join(cache, component, version)
	data, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s %s: %w (build them: make images-kube KUBE_VERSION=%s)", component, version, ErrNoArtifacts, version)
	}
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", component, version, err)
	}
	var m struct {
		Version  string     `json:"version"`
		Binaries []Artifact `json:"binaries"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s %s: manifest.json: %w", component, version, err)
	}
	if m.Version != version {
		return nil, fmt.Errorf("%s %s: manifest.json says version %q", component, version, m.Version)
	}
	var out []Artifact
	for _, name := range want {
		i := slices.IndexFunc(m.Binaries, func(a Artifact) bool { return a.Name == name })
		if i < 0 {
			return nil, fmt.Errorf("%s %s: %w: manifest.json lacks %s", component, version, ErrNoArtifacts, name)
		}
		a := m.Binaries[i]
		a.Path = filepath.Join(dir, name)
		st, err := os.Stat(a.Path)
		if err != nil || st.Size() != a.Size {
			return nil, fmt.Errorf("%s %s: %w: %s missing or not %d bytes", component, version, ErrNoArtifacts, a.Path, a.Size)
		}
		out = append(out, a)
	}
	return out, nil
}
