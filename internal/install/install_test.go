package install

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/agent"
)

const rawSize = 6<<20 + 1234 // not a multiple of the block size: the tail is written too

func diskFor(t *testing.T) (string, []agent.Disk) {
	path := testDisk(t, Needed(rawSize)+mib)
	return path, []agent.Disk{{Name: "vda", Path: path}}
}

func TestInstallFormats(t *testing.T) {
	raw := testImage(t, rawSize)
	for _, format := range Formats {
		t.Run(format, func(t *testing.T) {
			stored := compress(t, format, raw)
			srv := newImageServer(t, stored)
			path, disks := diskFor(t)
			var p progressLog
			res, err := fastInstaller(&p, nil).Install(context.Background(), task(srv.URL, format, stored, raw), disks)
			require.NoError(t, err)
			assert.True(t, res.OK)
			assert.Equal(t, path, res.Disk)
			assert.Equal(t, int64(rawSize), res.Bytes)
			assert.Equal(t, sum(raw), res.SHA256)
			assert.Zero(t, res.Resumes)

			disk, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.True(t, bytes.Equal(raw[478:], disk[478:rawSize]), "the image is on the disk")
			assert.Equal(t, raw[446:462], disk[446:462], "the image's partition is kept")
			seed := disk[462:478] // the seed went into the second slot
			assert.Equal(t, byte(0x0c), seed[4])
			assert.Equal(t, uint32(SeedOffset(rawSize)/512), binary.LittleEndian.Uint32(seed[8:]))
			assert.Equal(t, uint32(agent.SeedSizeBytes/512), binary.LittleEndian.Uint32(seed[12:]))

			last, ok := p.last(agent.PhaseDownload)
			require.True(t, ok)
			assert.Equal(t, agent.Progress{Phase: agent.PhaseDownload, Bytes: rawSize, Total: rawSize, BytesPerSec: last.BytesPerSec}, last)
			assert.Positive(t, last.BytesPerSec)
			verify, ok := p.last(agent.PhaseVerify)
			require.True(t, ok)
			assert.Equal(t, int64(rawSize), verify.Bytes)
		})
	}
}

func TestInstallResumes(t *testing.T) {
	raw := testImage(t, rawSize)
	for _, format := range []string{"raw", "raw.zst"} {
		t.Run(format, func(t *testing.T) {
			stored := compress(t, format, raw)
			srv := newImageServer(t, stored)
			srv.cutAfter = int64(len(stored) / 3)
			srv.cuts.Store(2) // the first two answers break a third of the way in
			path, disks := diskFor(t)
			var p progressLog
			res, err := fastInstaller(&p, nil).Install(context.Background(), task(srv.URL, format, stored, raw), disks)
			require.NoError(t, err)
			assert.Equal(t, 2, res.Resumes)
			assert.Equal(t, int32(3), srv.requests.Load())
			assert.Equal(t, sum(raw), res.SHA256)
			last, _ := p.last(agent.PhaseDownload)
			assert.Equal(t, 2, last.Resumes)
			assert.False(t, zeroEnds(t, path))
		})
	}
}

// Every failure after writing began leaves the disk's ends wiped.
func TestInstallFailuresWipe(t *testing.T) {
	raw := testImage(t, rawSize)
	zst := compress(t, "raw.zst", raw)
	for _, tc := range []struct {
		name   string
		format string
		serve  func(stored []byte) []byte
		setup  func(s *imageServer)
		hook   func(path string) error
		edit   func(in *agent.Install)
		phase  string
		want   string
	}{
		{name: "raw corrupted mid-stream", format: "raw", phase: agent.PhaseDownload, want: "the image's sha256 is",
			serve: func(b []byte) []byte { b = bytes.Clone(b); b[len(b)/2] ^= 0xff; return b }},
		{name: "zst corrupted mid-stream", format: "raw.zst", phase: agent.PhaseDownload, want: "read image",
			serve: func(b []byte) []byte { b = bytes.Clone(b); b[len(b)/2] ^= 0xff; return b }},
		{name: "server stops for good", format: "raw.zst", phase: agent.PhaseDownload, want: "after 3 resumes",
			setup: func(s *imageServer) { s.cutAfter = int64(len(s.content) / 4); s.cuts.Store(100) }},
		{name: "server ignores Range", format: "raw", phase: agent.PhaseDownload, want: "ignored the Range request",
			setup: func(s *imageServer) { s.cutAfter = mib; s.cuts.Store(1); s.ignoreRange = true }},
		{name: "short image", format: "raw", phase: agent.PhaseDownload, want: "decompressed to",
			serve: func(b []byte) []byte { return b[:len(b)-4096] }},
		{name: "read-back mismatch", format: "raw.zst", phase: agent.PhaseVerify, want: "read back from the disk",
			hook: corruptAt(3 * mib)},
		// The raw bytes are hashed once, read back from the disk: a wrong
		// declared rawSHA256 fails there, and the disk is wiped.
		{name: "wrong rawSHA256", format: "raw.zst", phase: agent.PhaseVerify, want: "read back from the disk, the image's sha256 is",
			edit: func(in *agent.Install) { in.RawSHA256 = strings.Repeat("0", 64) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stored := compress(t, tc.format, raw)
			if tc.format == "raw.zst" {
				stored = zst
			}
			served := stored
			if tc.serve != nil {
				served = tc.serve(stored)
			}
			srv := newImageServer(t, served)
			if tc.setup != nil {
				tc.setup(srv)
			}
			in := task(srv.URL, tc.format, stored, raw)
			if tc.name == "short image" {
				in = task(srv.URL, tc.format, served, raw) // the stream is what was declared, the raw size is not
			}
			if tc.edit != nil {
				tc.edit(&in)
			}
			path, disks := diskFor(t)
			res, err := fastInstaller(nil, tc.hook).Install(context.Background(), in, disks)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.False(t, res.OK)
			assert.Equal(t, tc.phase, res.Phase)
			assert.Equal(t, err.Error(), res.Error)
			assert.True(t, res.Wiped)
			assert.True(t, zeroEnds(t, path), "first and last MiB wiped")
		})
	}
}

func corruptAt(off int64) func(string) error {
	return func(path string) error {
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = f.WriteAt([]byte{0xde, 0xad}, off)
		return err
	}
}

// Refused tasks never touch a disk.
func TestInstallRefused(t *testing.T) {
	raw := testImage(t, rawSize)
	srv := newImageServer(t, raw)
	small := testDisk(t, 8*mib)
	for _, tc := range []struct {
		name  string
		edit  func(in *agent.Install)
		disks []agent.Disk
		want  string
	}{
		{"unsupported format", func(in *agent.Install) { in.Format = "qcow2" }, nil,
			`format "qcow2" is not supported (want one of raw, raw.zst, raw.gz, raw.xz)`},
		{"bad sha", func(in *agent.Install) { in.SHA256 = "abc" }, nil, "sha256 \"abc\": want 64 hex digits"},
		{"no disk", nil, []agent.Disk{}, "no disk to install to"},
		{"only removable", nil, []agent.Disk{{Path: small, Removable: true}}, "no disk to install to"},
		{"too small", nil, []agent.Disk{{Path: small}},
			"no disk is large enough: the largest, disk " + small + ": 8 MiB, image needs 11 MiB"},
		{"named too small", func(in *agent.Install) { in.Disk = "SER1" }, []agent.Disk{{Path: small, Serial: "SER1"}},
			"disk " + small + ": 8 MiB, image needs 11 MiB"},
		{"named missing", func(in *agent.Install) { in.Disk = "/nonexistent/vdz" }, nil, "disk /nonexistent/vdz:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := task(srv.URL, "raw", raw, raw)
			if tc.edit != nil {
				tc.edit(&in)
			}
			disks := tc.disks
			if disks == nil {
				disks = []agent.Disk{{Path: small}}
			}
			before := srv.requests.Load()
			res, err := fastInstaller(nil, nil).Install(context.Background(), in, disks)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Equal(t, phaseCheck, res.Phase)
			assert.False(t, res.Wiped)
			assert.Equal(t, before, srv.requests.Load(), "nothing downloaded")
			b, err := os.ReadFile(small)
			require.NoError(t, err)
			assert.Equal(t, bytes.Repeat([]byte{0x5a}, 8*mib), b, "the disk is untouched")
		})
	}
}

func TestChooseTarget(t *testing.T) {
	need := Needed(rawSize)
	a, b, c := testDisk(t, need+4*mib), testDisk(t, need), testDisk(t, need+mib)
	disks := []agent.Disk{{Path: a, Serial: "A"}, {Path: b, Serial: "B", Removable: true}, {Path: c, Serial: "C"}}
	got, err := ChooseTarget(agent.Install{RawSize: rawSize}, disks)
	require.NoError(t, err)
	assert.Equal(t, Target{Path: c, Size: need + mib}, got, "the smallest non-removable disk that fits")
	got, err = ChooseTarget(agent.Install{RawSize: rawSize, Disk: "A"}, disks)
	require.NoError(t, err)
	assert.Equal(t, a, got.Path, "by serial")
	got, err = ChooseTarget(agent.Install{RawSize: rawSize, Disk: b}, disks)
	require.NoError(t, err)
	assert.Equal(t, b, got.Path, "by path, even removable")
}

func TestWipeAll(t *testing.T) {
	a, b := testDisk(t, 3*mib), testDisk(t, 3*mib/2)
	removable := testDisk(t, 3*mib)
	n, err := WipeAll(context.Background(), []agent.Disk{{Path: a}, {Path: b}, {Path: removable, Removable: true}})
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	assert.True(t, zeroEnds(t, a))
	da, _ := os.ReadFile(a)
	assert.Equal(t, byte(0x5a), da[mib+1], "the middle is kept")
	assert.True(t, zeroEnds(t, b))
	assert.False(t, zeroEnds(t, removable))
}
