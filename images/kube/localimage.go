package main

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// localImage is an image built here from one static Go command, because no
// registry is reachable: the command's package src becomes /NAME in a
// one-layer image named ref.
type localImage struct {
	ref  string   // e.g. registry.k8s.io/pause:3.10
	src  string   // the Go package, e.g. ./images/kube/pause
	bin  string   // its path in the image, e.g. pause
	cmd  []string // the default arguments
	user string
}

// archiveName is the archive's file name: the ref's last path element and
// tag (pause-3.10.tar, probe-v1.tar).
func (img localImage) archiveName() string {
	name, tag := splitRef(img.ref)
	return path.Base(name) + "-" + tag + ".tar"
}

// buildImage writes ROOT/kube/images/NAME-TAG.tar, the image's OCI archive,
// with a .sha256 beside it. An archive that matches its .sha256 and is
// newer than every file of src is kept.
func (b builder) buildImage(ctx context.Context, img localImage) (string, error) {
	out := filepath.Join(b.root, "kube", "images", img.archiveName())
	if b.upToDate(out, img.src) {
		b.log.Info("up to date", "image", img.ref, "archive", out)
		return out, nil
	}
	tmp, err := os.MkdirTemp(b.root, img.bin+"-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, img.bin)
	if _, err := b.goCmdIn(ctx, "", []string{"CGO_ENABLED=0"}, "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, img.src); err != nil {
		return "", fmt.Errorf("%s: %w", img.ref, err)
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		return "", err
	}
	oci := ociImage{ref: img.ref, entrypoint: []string{"/" + img.bin}, cmd: img.cmd, user: img.user,
		files: []ociFile{{path: img.bin, mode: 0o755, data: data}}}
	archive, err := oci.archive()
	if err != nil {
		return "", fmt.Errorf("%s: %w", img.ref, err)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(out, archive, 0o644); err != nil {
		return "", err
	}
	sum, _, err := digest(out)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(out+".sha256", []byte(sum+"  "+filepath.Base(out)+"\n"), 0o644); err != nil {
		return "", err
	}
	b.log.Info("built", "image", img.ref, "archive", out, "bytes", len(archive))
	return out, nil
}

// upToDate reports whether archive matches its .sha256 and no file under
// src (the command's source) is newer than it.
func (b builder) upToDate(archive, src string) bool {
	want, err := os.ReadFile(archive + ".sha256")
	if err != nil {
		return false
	}
	got, _, err := digest(archive)
	if err != nil || !strings.HasPrefix(string(want), got) {
		return false
	}
	st, err := os.Stat(archive)
	if err != nil {
		return false
	}
	newer := false
	err = filepath.WalkDir(src, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if info, err := d.Info(); err == nil && info.ModTime().After(st.ModTime()) {
			newer = true
		}
		return nil
	})
	return err == nil && !newer
}
