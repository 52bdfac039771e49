package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/agent"
)

var (
	hexA = strings.Repeat("a", 64)
	hexB = strings.Repeat("B", 64)
)

func TestParseInstallFlags(t *testing.T) {
	base := []string{"-url", "http://198.18.7.1/img", "-sha256", hexA, "-raw-sha256", hexB, "-raw-size", "1048576", "-disk", "/dev/vda"}
	tests := []struct {
		name    string
		args    []string
		want    installOptions
		wantErr string
	}{
		{name: "defaults", args: base, want: installOptions{disk: "/dev/vda", every: 5 * time.Second, in: agent.Install{
			Image: "image", URL: "http://198.18.7.1/img", Format: "raw.zst", SHA256: hexA, RawSHA256: hexB,
			RawSize: 1 << 20, Disk: "/dev/vda"}}},
		{name: "all flags", args: append(append([]string{}, base...), "-format", "raw.gz", "-size", "4096", "-image", "deb",
			"-report", "/tmp/r.json", "-seed", "/tmp/seed.json", "-progress", "1s", "-cpuprofile", "/tmp/cpu.pprof"),
			want: installOptions{disk: "/dev/vda", report: "/tmp/r.json", seedFile: "/tmp/seed.json", every: time.Second, profile: "/tmp/cpu.pprof",
				in: agent.Install{Image: "deb", URL: "http://198.18.7.1/img", Format: "raw.gz", SHA256: hexA, Size: 4096,
					RawSHA256: hexB, RawSize: 1 << 20, Disk: "/dev/vda"}}},
		{name: "no disk", args: base[:len(base)-2], wantErr: "-disk is required"},
		{name: "no url", args: base[2:], wantErr: "url is empty"},
		{name: "bad format", args: append(append([]string{}, base...), "-format", "qcow2"), wantErr: `format "qcow2" is not supported`},
		{name: "short sha256", args: append(append([]string{}, base...), "-sha256", "abc"), wantErr: "sha256 \"abc\": want 64 hex digits"},
		{name: "no raw size", args: append(append([]string{}, base...), "-raw-size", "0"), wantErr: "rawSize 0"},
		{name: "not a number", args: append(append([]string{}, base...), "-size", "big"), wantErr: "invalid value \"big\" for flag -size"},
		{name: "extra argument", args: append(append([]string{}, base...), "now"), wantErr: `unexpected argument "now"`},
		{name: "bad progress", args: append(append([]string{}, base...), "-progress", "0s"), wantErr: "want a positive interval"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseInstallFlags(tt.args, io.Discard)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestVmHWM(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, status string
		want         int64
		wantErr      string
	}{
		{name: "found", status: "Name:\tx\nVmPeak:\t  9000 kB\nVmHWM:\t   12345 kB\nVmRSS:\t 100 kB\n", want: 12345},
		{name: "missing", status: "Name:\tx\n", wantErr: "VmHWM: not in"},
		{name: "odd unit", status: "VmHWM:\t 12 MB\n", wantErr: `line "VmHWM:\t 12 MB"`},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, strconv.Itoa(i))
			require.NoError(t, os.WriteFile(p, []byte(tt.status), 0o644))
			got, err := vmHWM(p)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	own, err := vmHWM("/proc/self/status")
	require.NoError(t, err)
	assert.Positive(t, own)
}

// TestRunInstall installs a small zstd image to a file through `run` and
// checks the disk, the printed report and the report file; a wrong
// rawSHA256 fails and is reported as such.
func TestRunInstall(t *testing.T) {
	raw := bytes.Repeat([]byte("slipway install mode "), 100000)
	enc, err := zstd.NewWriter(nil)
	require.NoError(t, err)
	stored := enc.EncodeAll(raw, nil)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "img", time.Time{}, bytes.NewReader(stored))
	}))
	t.Cleanup(srv.Close)
	sum := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
	dir := t.TempDir()
	disk, report := filepath.Join(dir, "disk"), filepath.Join(dir, "report.json")
	require.NoError(t, os.WriteFile(disk, nil, 0o644))
	require.NoError(t, os.Truncate(disk, int64(len(raw))+agent.SeedSizeBytes+2<<20))
	args := []string{"install", "-url", srv.URL, "-sha256", sum(stored), "-size", strconv.Itoa(len(stored)),
		"-raw-sha256", sum(raw), "-raw-size", strconv.Itoa(len(raw)), "-disk", disk, "-report", report}
	var stdout, stderr bytes.Buffer
	require.NoError(t, run(context.Background(), args, &stdout, &stderr), stderr.String())

	got, err := os.ReadFile(disk)
	require.NoError(t, err)
	assert.Equal(t, raw, got[:len(raw)])
	rep := parseReportLine(t, stdout.String())
	assert.True(t, rep.OK)
	assert.Equal(t, int64(len(raw)), rep.Bytes)
	assert.Equal(t, disk, rep.Disk)
	assert.Positive(t, rep.DownloadMBPerSec)
	assert.Positive(t, rep.VerifyMBPerSec)
	assert.Positive(t, rep.WrittenMBPerSec)
	assert.LessOrEqual(t, rep.WrittenSeconds, rep.Seconds)
	assert.Positive(t, rep.VmHWMKiB)
	fromFile, err := os.ReadFile(report)
	require.NoError(t, err)
	var rep2 installReport
	require.NoError(t, json.Unmarshal(fromFile, &rep2))
	assert.Equal(t, rep, rep2)

	stdout.Reset()
	args[8] = hexA // -raw-sha256
	require.Error(t, run(context.Background(), args, &stdout, &stderr))
	rep = parseReportLine(t, stdout.String())
	assert.False(t, rep.OK)
	assert.Equal(t, agent.PhaseVerify, rep.Phase) // the raw bytes are hashed as read back
	assert.Contains(t, rep.Error, "read back from the disk, the image's sha256 is")
	assert.True(t, rep.Wiped)
}

func parseReportLine(t *testing.T, out string) installReport {
	t.Helper()
	for line := range strings.Lines(out) {
		if js, ok := strings.CutPrefix(line, ReportPrefix+" "); ok {
			var r installReport
			require.NoError(t, json.Unmarshal([]byte(js), &r))
			return r
		}
	}
	t.Fatalf("no %s line in:\n%s", ReportPrefix, out)
	return installReport{}
}
