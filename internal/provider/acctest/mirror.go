package acctest

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// ProviderVersion is the version the test mirror serves (the Makefile's
// PROVIDER_VERSION).
const ProviderVersion = "0.1.0"

// Mirror returns a filesystem mirror holding terraform-provider-slipway:
// SLIPWAY_TF_MIRROR when set (make builds .cache/terraform/mirror), else
// one built by the test with go build.
func Mirror(t testing.TB) string {
	t.Helper()
	if m := os.Getenv("SLIPWAY_TF_MIRROR"); m != "" {
		return m
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "registry.terraform.io", "slipway-dev", "slipway", ProviderVersion,
		runtime.GOOS+"_"+runtime.GOARCH, "terraform-provider-slipway_v"+ProviderVersion)
	cmd := exec.Command("go", "build", "-o", bin, "github.com/slipway-dev/slipway/cmd/terraform-provider-slipway")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build provider: %v\n%s", err, out)
	}
	return dir
}

// CLIConfig writes a terraform CLI config that installs providers from
// mirror only, and returns its path.
func CLIConfig(t testing.TB, mirror string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "terraformrc")
	rc := "provider_installation {\n  filesystem_mirror {\n    path = \"" + mirror + "\"\n  }\n}\n"
	if err := os.WriteFile(p, []byte(rc), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
