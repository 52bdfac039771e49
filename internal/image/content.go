package image

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// tempPrefix starts the name of every temporary file: never served (the
// boot server only sends content files of ready images) and removed at start.
const tempPrefix = ".tmp-"

// ctxReader stops reading when ctx ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (r ctxReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.r.Read(p)
}

// contentPath is where the content with sha256 sum is stored.
func (c *Catalogue) contentPath(sum string) string {
	return filepath.Join(c.cfg.Dir, ContentDir, sum)
}

// hasContent reports whether the content with sha256 sum is stored (a
// content file only exists once it was verified).
func (c *Catalogue) hasContent(sum string) bool {
	fi, err := os.Stat(c.contentPath(sum))
	return err == nil && fi.Mode().IsRegular()
}

// writeContent streams src into a temporary file while hashing it, checks
// the size limit, the format's magic bytes and the sha256, fsyncs, and
// renames it to its content path. On any failure the temporary file is
// removed. It returns the size.
func (c *Catalogue) writeContent(ctx context.Context, name, format, sum string, src io.Reader) (int64, error) {
	dir := filepath.Join(c.cfg.Dir, ContentDir)
	tmp, err := os.CreateTemp(dir, tempPrefix+"*")
	if err != nil {
		return 0, fmt.Errorf("image %s: %w", name, err)
	}
	done := false
	defer func() {
		if !done {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	// The magic bytes are checked first: a wrong format fails before the
	// whole image is read.
	in := ctxReader{ctx, src}
	head := make([]byte, headBytes)
	hn, err := io.ReadFull(in, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return 0, fmt.Errorf("image %s: read content: %w", name, err)
	}
	if hn == 0 {
		return 0, refused("image %s: the content is empty", name)
	}
	if err := checkMagic(format, head[:hn]); err != nil {
		return 0, fmt.Errorf("image %s: %w", name, err)
	}
	h := sha256.New()
	all := io.MultiReader(bytes.NewReader(head[:hn]), in)
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(all, c.cfg.MaxBytes+1))
	switch {
	case err != nil:
		return 0, fmt.Errorf("image %s: read content: %w", name, err)
	case n > c.cfg.MaxBytes:
		return 0, refused("image %s is larger than the limit of %d bytes", name, c.cfg.MaxBytes)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sum {
		return 0, refused("image %s: sha256 mismatch: declared %s, content has %s", name, sum, got)
	}
	if err := commitFile(tmp, c.contentPath(sum)); err != nil {
		return 0, fmt.Errorf("image %s: %w", name, err)
	}
	done = true
	return n, nil
}

// commitFile fsyncs and closes tmp, then renames it to path and fsyncs the
// directory, so the content is durable before it can be found.
func commitFile(tmp *os.File, path string) error {
	if err := tmp.Chmod(0o644); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("fsync: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("fsync %s: %w", dir, err)
	}
	return nil
}

// link points <dir>/<name> at the content with sha256 sum (a relative
// symbolic link, replaced atomically).
func (c *Catalogue) link(name, sum string) error {
	tmp := filepath.Join(c.cfg.Dir, tempPrefix+"link-"+name)
	_ = os.Remove(tmp)
	if err := os.Symlink(ContentDir+"/"+sum, tmp); err != nil {
		return fmt.Errorf("image %s: link: %w", name, err)
	}
	if err := os.Rename(tmp, filepath.Join(c.cfg.Dir, name)); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("image %s: link: %w", name, err)
	}
	return syncDir(c.cfg.Dir)
}

// unlink removes the name link (only a symbolic link: a file an operator
// put there is left alone).
func (c *Catalogue) unlink(name string) error {
	p := filepath.Join(c.cfg.Dir, name)
	fi, err := os.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && fi.Mode()&fs.ModeSymlink == 0) {
		return nil
	}
	if err == nil {
		err = os.Remove(p)
	}
	if err != nil {
		return fmt.Errorf("image %s: unlink: %w", name, err)
	}
	return nil
}
