package install

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// agentReportPrefix is cmd/slipway-agent's install.go ReportPrefix.
const agentReportPrefix = "SLIPWAY-AGENT-INSTALL "

// agentReport is the part of slipway-agent's install report read here.
type agentReport struct {
	OK               bool    `json:"ok"`
	Error            string  `json:"error"`
	Bytes            int64   `json:"bytes"`
	Seconds          float64 `json:"seconds"`
	MBPerSec         float64 `json:"mbPerSec"`
	WrittenSeconds   float64 `json:"writtenSeconds"`
	WrittenMBPerSec  float64 `json:"writtenMBPerSec"`
	DownloadMBPerSec float64 `json:"downloadMBPerSec"`
	VerifyMBPerSec   float64 `json:"verifyMBPerSec"`
	Resumes          int     `json:"resumes"`
	VmHWMKiB         int64   `json:"vmHWMKiB"`
}

// step is one timed "SLIPWAY-BENCH <what> rc= start= end=" line.
type step struct {
	RC         int
	Start, End float64 // guest /proc/uptime
	Fields     map[string]string
}

func (s step) seconds() float64         { return s.End - s.Start }
func (s step) mbps(bytes int64) float64 { return float64(bytes) / 1e6 / s.seconds() }

// results are the VM's figures.
type results struct {
	Agent                agentReport
	AgentProc            step // the agent process, start to exit
	Pipeline1, Pipeline2 step
	Pipeline             step // the mean of the two runs
	Readback             step
	Ready                map[string]string
}

// parseMarks reads the init script's lines into steps by name.
func parseMarks(log string) (map[string]step, error) {
	steps := map[string]step{}
	for line := range strings.Lines(log) {
		i := strings.Index(line, markPrefix+" ")
		if i < 0 {
			continue
		}
		f := strings.Fields(line[i+len(markPrefix)+1:])
		if len(f) == 0 {
			continue
		}
		s := step{Fields: map[string]string{}}
		for _, kv := range f[1:] {
			k, v, _ := strings.Cut(kv, "=")
			s.Fields[k] = v
		}
		var errs [3]error
		s.RC, errs[0] = atoiOr(s.Fields["rc"], 0)
		s.Start, errs[1] = floatOr(s.Fields["start"])
		s.End, errs[2] = floatOr(s.Fields["end"])
		for _, err := range errs {
			if err != nil {
				return nil, fmt.Errorf("line %q: %w", strings.TrimSpace(line), err)
			}
		}
		steps[f[0]] = s
	}
	return steps, nil
}

func atoiOr(v string, def int) (int, error) {
	if v == "" {
		return def, nil
	}
	return strconv.Atoi(v)
}

func floatOr(v string) (float64, error) {
	if v == "" {
		return 0, nil
	}
	return strconv.ParseFloat(v, 64)
}

// parseResults reads the serial log and fails on any error: a failed
// agent or pipeline, or a pipeline read-back whose sha256 is not the
// image's.
func parseResults(tb testing.TB, log string, img benchImage) results {
	tb.Helper()
	steps, err := parseMarks(log)
	if err != nil {
		tb.Fatal(err)
	}
	r := results{AgentProc: steps["agent"], Pipeline1: steps["pipeline1"], Pipeline2: steps["pipeline2"],
		Readback: steps["readback"], Ready: steps["ready"].Fields}
	r.Pipeline = step{RC: max(r.Pipeline1.RC, r.Pipeline2.RC), End: (r.Pipeline1.seconds() + r.Pipeline2.seconds()) / 2}
	for line := range strings.Lines(log) {
		if i := strings.Index(line, agentReportPrefix); i >= 0 {
			if err := json.Unmarshal([]byte(line[i+len(agentReportPrefix):]), &r.Agent); err != nil {
				tb.Fatalf("agent report %q: %v", line, err)
			}
		}
	}
	switch {
	case !r.Agent.OK || r.AgentProc.RC != 0:
		tb.Fatalf("slipway-agent install failed (rc %d): %s\nserial (tail):\n%s", r.AgentProc.RC, r.Agent.Error, tail(log, 6000))
	case r.Agent.Bytes != img.RawSize:
		tb.Fatalf("slipway-agent wrote %d bytes, want %d", r.Agent.Bytes, img.RawSize)
	case r.Pipeline.RC != 0 || r.Pipeline1.seconds() <= 0 || r.Pipeline2.seconds() <= 0:
		tb.Fatalf("the pipeline failed (rc %d)\nserial (tail):\n%s", r.Pipeline.RC, tail(log, 6000))
	case r.Readback.Fields["sum"] != img.RawSHA256:
		tb.Fatalf("the pipeline's disk reads back as sha256 %q, want %s (rc %d)", r.Readback.Fields["sum"], img.RawSHA256, r.Readback.RC)
	}
	return r
}

// print writes the figures side by side with the targets.
func (r results) print(img benchImage, smp int, load0 string, v *vm) {
	size := img.RawSize
	pipe := r.Pipeline.mbps(size)
	whole := float64(size) / 1e6 / (r.Pipeline.seconds() + r.Readback.seconds())
	hwm := float64(r.Agent.VmHWMKiB) / 1024
	fmt.Printf("\nInstall of a %d MiB raw image (%.0f MiB zstd -3) in QEMU TCG (%s vCPU [%s], %s kB RAM), virtio-net + virtio-blk:\n",
		size>>20, float64(img.Size)/(1<<20), r.Ready["cpu"], r.Ready["simd"], r.Ready["mem_kb"])
	fmt.Printf("curl|zstd|dd: %.1f MB/s   slipway-agent: %.1f MB/s (%.0f %% of it, target ≥ %.0f %%)   agent VmHWM: %.1f MB (target < %d MB)\n",
		pipe, r.Agent.WrittenMBPerSec, 100*r.Agent.WrittenMBPerSec/pipe, 100*targetRatio, hwm, targetRSSMB)
	fmt.Printf("  compared: the agent's start → image written and fsynced (wipe, download, sha256 of the stream, zstd, writes)\n")
	fmt.Printf("            vs curl -sS URL | zstd -dq | dd bs=4M iflag=fullblock oflag=direct conv=fsync, %.1f s vs %.1f s\n",
		r.Agent.WrittenSeconds, r.Pipeline.seconds())
	fmt.Printf("            (the mean time of two pipeline runs: %.1f MB/s before the agent, %.1f MB/s after it)\n", r.Pipeline1.mbps(size), r.Pipeline2.mbps(size))
	fmt.Printf("  agent download phase alone (meter, before fsync): %.1f MB/s (%.0f %%)\n",
		r.Agent.DownloadMBPerSec, 100*r.Agent.DownloadMBPerSec/pipe)
	fmt.Printf("  whole install incl. read-back verify: agent %.1f MB/s (%.1f s; verify %.1f MB/s, process %.1f s)\n",
		r.Agent.MBPerSec, r.Agent.Seconds, r.Agent.VerifyMBPerSec, r.AgentProc.seconds())
	fmt.Printf("            vs pipeline + dd iflag=direct | sha256sum read-back %.1f MB/s (%.1f s) = %.0f %%\n",
		whole, r.Pipeline.seconds()+r.Readback.seconds(), 100*r.Agent.MBPerSec/whole)
	fmt.Printf("  host: before: %s; after: %s; QEMU used %.0f %% of a core over %.0f s; %d vCPU; resumes %d\n",
		load0, loadAvg(), 100*v.cpuShare(), v.ended.Sub(v.started).Seconds(), smp, r.Agent.Resumes)
}
