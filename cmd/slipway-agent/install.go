package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/slipway-dev/slipway/internal/agent"
	"github.com/slipway-dev/slipway/internal/install"
)

// ReportPrefix starts the one machine-readable line the install mode
// prints on stdout: the prefix, a space and the installReport as JSON.
const ReportPrefix = "SLIPWAY-AGENT-INSTALL"

// installOptions are the flags of `slipway-agent install`: the engine runs
// without an appliance (no claim, no inventory, a seed only with -seed).
type installOptions struct {
	in       agent.Install
	disk     string
	report   string        // also write the report here
	seedFile string        // JSON agent.Seed
	profile  string        // CPU profile (runtime/pprof) of the install
	every    time.Duration // progress lines
}

func parseInstallFlags(args []string, stderr io.Writer) (installOptions, error) {
	var o installOptions
	fs := flag.NewFlagSet("slipway-agent install", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.in.URL, "url", "", "the image's URL (required)")
	fs.StringVar(&o.in.Format, "format", "raw.zst", "the stored format: "+strings.Join(install.Formats, ", "))
	fs.StringVar(&o.in.SHA256, "sha256", "", "sha256 of the stored (compressed) image (required)")
	fs.Int64Var(&o.in.Size, "size", 0, "bytes of the stored image (0: trust Content-Length)")
	fs.StringVar(&o.in.RawSHA256, "raw-sha256", "", "sha256 of the decompressed image (required)")
	fs.Int64Var(&o.in.RawSize, "raw-size", 0, "bytes of the decompressed image (required)")
	fs.StringVar(&o.in.Image, "image", "image", "the image's name, for the log")
	fs.StringVar(&o.disk, "disk", "", "the block device or file to write (required)")
	fs.StringVar(&o.report, "report", "", "also write the JSON report to this file")
	fs.StringVar(&o.seedFile, "seed", "", "a JSON NoCloud seed {metaData, userData, networkConfig} to append")
	fs.DurationVar(&o.every, "progress", 5*time.Second, "interval of the progress lines")
	fs.StringVar(&o.profile, "cpuprofile", "", "write a CPU profile of the install to this file (go tool pprof)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("install: unexpected argument %q", fs.Arg(0))
	}
	if o.disk == "" {
		return o, errors.New("install: -disk is required")
	}
	if o.every <= 0 {
		return o, fmt.Errorf("install: -progress %s: want a positive interval", o.every)
	}
	o.in.Disk = o.disk
	if err := install.Check(o.in); err != nil {
		return o, err
	}
	return o, nil
}

// installReport is what the install mode prints and writes. Rates are
// decimal MB/s; the whole install's counts wipe, download, sync, verify
// (and seed) over the raw bytes.
type installReport struct {
	OK       bool    `json:"ok"`
	Error    string  `json:"error,omitempty"`
	Phase    string  `json:"phase,omitempty"` // where it failed
	Disk     string  `json:"disk"`
	Bytes    int64   `json:"bytes"`
	Seconds  float64 `json:"seconds"`
	MBPerSec float64 `json:"mbPerSec"`
	// Written*: from the start until the image is written and synced
	// (wipe, download, decompress, both hashes, writes, fsync), before the
	// read-back: the work `curl | zstd -d | dd conv=fsync` does.
	WrittenSeconds   float64 `json:"writtenSeconds"`
	WrittenMBPerSec  float64 `json:"writtenMBPerSec"`
	DownloadSeconds  float64 `json:"downloadSeconds"` // the download phase's meter (no fsync)
	DownloadMBPerSec float64 `json:"downloadMBPerSec"`
	VerifySeconds    float64 `json:"verifySeconds"`
	VerifyMBPerSec   float64 `json:"verifyMBPerSec"`
	Resumes          int     `json:"resumes"`
	Wiped            bool    `json:"wiped"`
	VmHWMKiB         int64   `json:"vmHWMKiB"` // peak RSS, /proc/self/status
}

// runInstall is `slipway-agent install`: one install with the real engine,
// then the report. It fails when the install does.
func runInstall(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseInstallFlags(args, stderr)
	if err == nil && o.seedFile != "" {
		o.in.Seed, err = readSeed(o.seedFile)
	}
	var stop func()
	if err == nil && o.profile != "" {
		stop, err = startProfile(o.profile)
	}
	if err != nil {
		fmt.Fprintln(stderr, "slipway-agent:", err)
		return err
	}
	if stop != nil {
		defer stop()
	}
	log := slog.New(slog.NewTextHandler(&prefixWriter{w: stderr, prefix: "slipway-agent: "}, nil))
	rep, ierr := installOnce(ctx, o, log)
	if rep.VmHWMKiB, err = vmHWM("/proc/self/status"); err != nil {
		log.Warn("peak RSS unknown", "err", err)
	}
	if err := writeReport(stdout, o.report, rep); err != nil {
		return errors.Join(ierr, err)
	}
	return ierr
}

// installOnce runs the engine and returns its report (without VmHWM).
func installOnce(ctx context.Context, o installOptions, log *slog.Logger) (installReport, error) {
	last := map[string]agent.Progress{}
	var mu sync.Mutex
	progress := func(p agent.Progress) {
		mu.Lock()
		last[p.Phase] = p
		mu.Unlock()
		log.Info("progress", "phase", p.Phase, "bytes", p.Bytes, "total", p.Total, "mbPerSec", round1(p.BytesPerSec/1e6), "resumes", p.Resumes)
	}
	start := time.Now()
	var written time.Duration // the image is on the disk and synced
	inst := install.New(install.Config{Log: log, Progress: progress, ProgressEvery: o.every,
		BeforeVerify: func(string) error { written = time.Since(start); return nil }})
	res, err := inst.Install(ctx, o.in, []agent.Disk{{Name: o.disk, Path: o.disk}})
	mu.Lock()
	rep := newReport(res, last)
	mu.Unlock()
	if written > 0 {
		rep.WrittenSeconds = round3(written.Seconds())
		rep.WrittenMBPerSec = round1(float64(rep.Bytes) / 1e6 / written.Seconds())
	}
	return rep, err
}

func newReport(res agent.Result, last map[string]agent.Progress) installReport {
	r := installReport{OK: res.OK, Error: res.Error, Phase: res.Phase, Disk: res.Disk, Bytes: res.Bytes,
		Seconds: float64(res.DurationMS) / 1000, MBPerSec: round1(res.MBPerSec), Resumes: res.Resumes, Wiped: res.Wiped}
	r.DownloadSeconds, r.DownloadMBPerSec = phaseFigures(last[agent.PhaseDownload])
	r.VerifySeconds, r.VerifyMBPerSec = phaseFigures(last[agent.PhaseVerify])
	return r
}

// phaseFigures are a phase's seconds and MB/s from its last report.
func phaseFigures(p agent.Progress) (float64, float64) {
	if p.BytesPerSec <= 0 {
		return 0, 0
	}
	return round3(float64(p.Bytes) / p.BytesPerSec), round1(p.BytesPerSec / 1e6)
}

// writeReport prints the human line and the machine line, and writes the
// JSON to file when set.
func writeReport(stdout io.Writer, file string, r installReport) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	status := "ok"
	if !r.OK {
		status = "FAILED (" + r.Phase + "): " + r.Error
	}
	fmt.Fprintf(stdout, "slipway-agent install: %s: %s in %.1f s = %.1f MB/s (written+synced %.1f MB/s, download %.1f MB/s, verify %.1f MB/s), %d resumes, VmHWM %.1f MiB\n",
		status, install.HumanBytes(r.Bytes), r.Seconds, r.MBPerSec, r.WrittenMBPerSec, r.DownloadMBPerSec, r.VerifyMBPerSec, r.Resumes, float64(r.VmHWMKiB)/1024)
	fmt.Fprintf(stdout, "%s %s\n", ReportPrefix, b)
	if file == "" {
		return nil
	}
	if err := os.WriteFile(file, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

// startProfile starts a CPU profile into path; the func stops it.
func startProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpuprofile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

func readSeed(path string) (*agent.Seed, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	var s agent.Seed
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("seed %s: %w", path, err)
	}
	return &s, nil
}

// vmHWM reads the peak resident set size (VmHWM, KiB) from a
// /proc/<pid>/status file.
func vmHWM(statusFile string) (int64, error) {
	b, err := os.ReadFile(statusFile)
	if err != nil {
		return 0, fmt.Errorf("VmHWM: %w", err)
	}
	for line := range strings.Lines(string(b)) {
		rest, ok := strings.CutPrefix(line, "VmHWM:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("VmHWM: line %q", strings.TrimSpace(line))
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("VmHWM: %w", err)
		}
		return n, nil
	}
	return 0, fmt.Errorf("VmHWM: not in %s", statusFile)
}

func round1(v float64) float64 { return float64(int64(v*10+0.5)) / 10 }
func round3(v float64) float64 { return float64(int64(v*1000+0.5)) / 1000 }
