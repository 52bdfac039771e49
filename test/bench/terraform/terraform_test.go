// Package terraform benchmarks the provider: terraform plan over a site of
// 500 machines against a real appliance, beside the 30 s target.
package terraform

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/provider/acctest"
)

const (
	machines   = 500
	planTarget = 30 * time.Second
)

func config(a *acctest.Appliance) string {
	return `terraform {
  required_providers {
    slipway = { source = "slipway-dev/slipway" }
  }
}
` + a.ProviderBlock("") + `
resource "slipway_machine" "m" {
  for_each = { for i in range(` + fmt.Sprint(machines) + `) : format("r%d-u%02d", floor(i / 40) + 1, i % 40 + 1) => i }
  name     = each.key
  mac      = format("52:54:00:%02x:%02x:%02x", floor(each.value / 65536), floor(each.value / 256) % 256, each.value % 256)
  rack     = format("r%d", floor(each.value / 40) + 1)
  labels   = { role = each.value % 10 == 0 ? "control-plane" : "worker" }
  hardware = { cpus = 32, memory_gib = 256, disks = [{ size_gib = 960, type = "ssd" }] }
}
`
}

// BenchmarkPlan500 applies 500 machines once, then times terraform plan
// (refresh of every machine included) and prints it beside the target.
func BenchmarkPlan500(b *testing.B) {
	tf := acctest.Terraform(b)
	a := acctest.Start(b, nil)
	dir := b.TempDir()
	require.NoError(b, os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config(a)), 0o600))
	rc := acctest.CLIConfig(b, acctest.Mirror(b))
	run := func(args ...string) time.Duration {
		cmd := exec.Command(tf, append([]string{"-chdir=" + dir}, args...)...)
		cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+rc, "TF_IN_AUTOMATION=1", "TF_INPUT=0")
		start := time.Now()
		out, err := cmd.CombinedOutput()
		require.NoError(b, err, string(out))
		if strings.Contains(strings.Join(args, " "), "-detailed-exitcode") {
			require.NotContains(b, string(out), "will be")
		}
		return time.Since(start)
	}
	run("init", "-no-color")
	applied := run("apply", "-auto-approve", "-no-color", "-parallelism=10")
	b.ResetTimer()
	var plan time.Duration
	for range b.N {
		plan = run("plan", "-no-color", "-detailed-exitcode")
	}
	b.StopTimer()
	b.ReportMetric(plan.Seconds(), "s/plan")
	fmt.Printf("terraform plan over %d machines: %.1f s (target < %.0f s); first apply (create) %.1f s\n",
		machines, plan.Seconds(), planTarget.Seconds(), applied.Seconds())
	if plan > planTarget {
		b.Errorf("plan took %s, over the %s target", plan, planTarget)
	}
}
