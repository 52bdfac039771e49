package install

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/slipway-dev/slipway/internal/agent"
)

// phaseCheck is the Result.Phase of a task refused before writing.
const phaseCheck = "check"

// Install writes in's image to its target among disks and returns the
// Result to report. The error is non-nil exactly when the Result is not OK;
// the Result says whether the disk was wiped.
func (i *Installer) Install(ctx context.Context, in agent.Install, disks []agent.Disk) (agent.Result, error) {
	start := time.Now()
	res := agent.Result{Action: agent.ActionInstall, Phase: phaseCheck}
	in.SHA256, in.RawSHA256 = strings.ToLower(in.SHA256), strings.ToLower(in.RawSHA256)
	if err := Check(in); err != nil {
		return failed(res, err)
	}
	target, err := ChooseTarget(in, disks)
	if err != nil {
		return failed(res, err)
	}
	res.Disk = target.Path
	f, err := os.OpenFile(target.Path, os.O_RDWR, 0)
	if err != nil {
		return failed(res, fmt.Errorf("open disk %s: %w", target.Path, err))
	}
	defer f.Close()
	i.log.Info("installing", "image", in.Image, "disk", target.Path, "size", HumanBytes(in.RawSize), "format", in.Format)
	if err := i.write(ctx, in, f, &res); err != nil {
		if werr := wipeFile(f); werr != nil {
			err = errors.Join(err, fmt.Errorf("wipe after failure: %w", werr))
		} else {
			res.Wiped = true
		}
		i.log.Error("install failed", "disk", target.Path, "phase", res.Phase, "wiped", res.Wiped, "err", err)
		return failed(res, fmt.Errorf("install %s to %s: %s: %w", in.Image, target.Path, res.Phase, err))
	}
	res.OK, res.Phase = true, ""
	res.DurationMS = time.Since(start).Milliseconds()
	if s := time.Since(start).Seconds(); s > 0 {
		res.MBPerSec = float64(res.Bytes) / 1e6 / s
	}
	i.log.Info("installed", "disk", target.Path, "bytes", res.Bytes, "mbPerSec", res.MBPerSec, "resumes", res.Resumes)
	return res, nil
}

func failed(res agent.Result, err error) (agent.Result, error) {
	res.OK = false
	res.Error = err.Error()
	return res, err
}

// write runs the phases on the open disk, updating res as it goes.
func (i *Installer) write(ctx context.Context, in agent.Install, f *os.File, res *agent.Result) error {
	res.Phase = agent.PhaseWipe
	if err := wipeFile(f); err != nil { // old signatures, incl. a GPT backup at the end
		return err
	}
	res.Phase = agent.PhaseDownload
	n, err := i.download(ctx, in, f, res)
	res.Bytes = n
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	res.Phase = agent.PhaseVerify
	if err := i.verify(ctx, in, f, res); err != nil {
		return err
	}
	if in.Seed == nil {
		return nil
	}
	res.Phase = agent.PhaseSeed
	m := startMeter(agent.PhaseSeed, agent.SeedSizeBytes, nil, i.cfg.ProgressEvery, i.cfg.Progress)
	defer m.Stop()
	if err := WriteSeed(f, in.RawSize, *in.Seed); err != nil {
		return err
	}
	m.add(agent.SeedSizeBytes)
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	return nil
}

// download streams, hashes, decompresses and writes the image. The stored
// bytes are hashed here (beside the decompression, hashingReader); the raw
// ones once, read back from the disk.
func (i *Installer) download(ctx context.Context, in agent.Install, f *os.File, res *agent.Result) (int64, error) {
	var resumes atomic.Int32
	src := &resumable{
		ctx: ctx, client: i.cfg.HTTP, url: in.URL, size: in.Size,
		maxResumes: i.cfg.MaxResumes, backoff: i.cfg.ResumeBackoff,
		onResume: func(off int64, err error) {
			resumes.Add(1)
			i.log.Warn("image stream broke; resuming", "offset", off, "err", err)
		},
	}
	defer src.Close()
	stored := newHashingReader(src, sha256.New())
	defer stored.Close()
	m := startMeter(agent.PhaseDownload, in.RawSize, &resumes, i.cfg.ProgressEvery, i.cfg.Progress)
	defer func() { res.Resumes = int(resumes.Load()) }()
	defer m.Stop()
	dec, err := decompressor(in.Format, stored)
	if err != nil {
		return 0, err
	}
	defer dec.Close()
	n, err := writeStream(ctx, dec, f, i.cfg.BlockSize, in.RawSize, m)
	if err != nil {
		return n, err
	}
	if _, err := io.Copy(io.Discard, stored); err != nil { // bytes after the compressed stream's end
		return n, fmt.Errorf("read image: %w", err)
	}
	if got := hex.EncodeToString(stored.Sum()); got != in.SHA256 {
		return n, fmt.Errorf("the image's sha256 is %s, want %s (%d bytes received)", got, in.SHA256, src.off)
	}
	if in.Size > 0 && src.off != in.Size {
		return n, fmt.Errorf("received %d bytes, the image's size is %d", src.off, in.Size)
	}
	if n != in.RawSize {
		return n, fmt.Errorf("the image decompressed to %d bytes, want rawSize %d", n, in.RawSize)
	}
	return n, nil // the raw bytes' sha256 is checked on the disk (verify)
}

// verify reads the written image back from the disk and checks its sha256.
func (i *Installer) verify(ctx context.Context, in agent.Install, f *os.File, res *agent.Result) error {
	if i.cfg.BeforeVerify != nil {
		if err := i.cfg.BeforeVerify(f.Name()); err != nil {
			return fmt.Errorf("before verify: %w", err)
		}
	}
	// Drop the cached pages so the read-back comes from the disk itself.
	_ = unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED)
	m := startMeter(agent.PhaseVerify, in.RawSize, nil, i.cfg.ProgressEvery, i.cfg.Progress)
	defer m.Stop()
	sum, err := readBack(ctx, f, in.RawSize, i.cfg.BlockSize, m)
	if err != nil {
		return err
	}
	res.SHA256 = hex.EncodeToString(sum)
	if res.SHA256 != in.RawSHA256 {
		return fmt.Errorf("read back from the disk, the image's sha256 is %s, want %s", res.SHA256, in.RawSHA256)
	}
	return nil
}
