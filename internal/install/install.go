// Package install writes an immutable OS image to a machine's disk, the
// way slipway-agent does it: it picks and checks the target disk, streams
// the image over HTTP (resuming a broken stream with Range requests),
// decompresses it on the fly (raw, zstd, gzip, xz), writes it in large
// aligned blocks, verifies the stream's and the disk's sha256, and appends
// a cloud-init NoCloud seed partition (CIDATA). Any failure once writing
// began wipes the disk's first and last MiB, so a half-written image can
// never boot. A disk is any block device or file path, so all of it runs
// on a developer's machine against files.
package install

import (
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/slipway-dev/slipway/internal/agent"
)

// Config configures an Installer; zero fields take the defaults.
type Config struct {
	HTTP     *http.Client // downloads (default: dial and header timeouts, none on the body)
	Log      *slog.Logger
	Progress func(agent.Progress) // called about every ProgressEvery (default 1s)

	ProgressEvery time.Duration
	MaxResumes    int           // broken streams resumed per install (default 10)
	ResumeBackoff time.Duration // first wait before a resume (default 1s, doubling)
	BlockSize     int           // write size, a multiple of 4096 (default 4 MiB)
	// BeforeVerify runs after the image is written and synced, before the
	// disk is read back (tests corrupt the disk here).
	BeforeVerify func(path string) error
}

// Installer carries out agent.Install tasks.
type Installer struct {
	cfg Config
	log *slog.Logger
}

// New returns an Installer for cfg.
func New(cfg Config) *Installer {
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Transport: &http.Transport{
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 15 * time.Second}).DialContext,
			ResponseHeaderTimeout: 30 * time.Second,
			DisableCompression:    true, // the image's bytes, as stored, are what is hashed
		}}
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.ProgressEvery <= 0 {
		cfg.ProgressEvery = time.Second
	}
	if cfg.MaxResumes <= 0 {
		cfg.MaxResumes = 10
	}
	if cfg.ResumeBackoff <= 0 {
		cfg.ResumeBackoff = time.Second
	}
	if cfg.BlockSize <= 0 || cfg.BlockSize%4096 != 0 {
		cfg.BlockSize = 4 << 20
	}
	return &Installer{cfg: cfg, log: cfg.Log}
}

// Check refuses an install task that cannot be carried out, before any
// disk is touched.
func Check(in agent.Install) error {
	if err := CheckFormat(in.Format); err != nil {
		return err
	}
	if in.URL == "" {
		return fmt.Errorf("install: url is empty")
	}
	if in.RawSize <= 0 {
		return fmt.Errorf("install: rawSize %d: want the image's decompressed size", in.RawSize)
	}
	for name, v := range map[string]string{"sha256": in.SHA256, "rawSHA256": in.RawSHA256} {
		if b, err := hex.DecodeString(v); err != nil || len(b) != 32 {
			return fmt.Errorf("install: %s %q: want 64 hex digits", name, v)
		}
	}
	return nil
}
