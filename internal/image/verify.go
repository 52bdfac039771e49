package image

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// Formats are the image formats the installer writes.
var Formats = []string{"raw", "raw.zst", "raw.gz", "raw.xz"}

// magics are the leading bytes of each compression.
var magics = []struct {
	format string
	name   string
	magic  []byte
}{
	{"raw.zst", "zstd", []byte{0x28, 0xb5, 0x2f, 0xfd}},
	{"raw.gz", "gzip", []byte{0x1f, 0x8b}},
	{"raw.xz", "xz", []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}},
}

// headBytes is how much of the content checkFormat needs.
const headBytes = 6

// ErrRefused marks an image refused for its content or declaration (a
// hash or signature that does not match, a format not supported): the
// API answers 422.
var ErrRefused = errors.New("refused")

func refused(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrRefused, fmt.Sprintf(format, args...))
}

// checkFormatName refuses a format the installer cannot write.
func checkFormatName(format string) error {
	for _, f := range Formats {
		if f == format {
			return nil
		}
	}
	return refused("format %q is not supported (want one of %s)", format, strings.Join(Formats, ", "))
}

// checkMagic checks that head (the first bytes of the content) matches the
// declared compression: a compressed format starts with its magic, and a
// raw image starts with none of them.
func checkMagic(format string, head []byte) error {
	for _, m := range magics {
		has := bytes.HasPrefix(head, m.magic)
		switch {
		case format == m.format && !has:
			return refused("declared format %s but the content does not start with the %s magic bytes", format, m.name)
		case format == "raw" && has:
			return refused("declared format raw but the content is %s-compressed (declare %s)", m.name, m.format)
		}
	}
	return nil
}

// isHex256 reports whether s is a lower case hex sha256.
func isHex256(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil && strings.ToLower(s) == s
}

// verifySignature checks sig (raw 64 bytes or base64 of them) over the
// digest whose hex is sum, with key.
func verifySignature(key ed25519.PublicKey, sum string, sig []byte) error {
	digest, err := hex.DecodeString(sum)
	if err != nil {
		return refused("sha256 %q is not hex", sum)
	}
	if len(sig) != ed25519.SignatureSize {
		dec, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(sig)))
		if err != nil || len(dec) != ed25519.SignatureSize {
			return refused("the signature is not %d bytes (raw or base64)", ed25519.SignatureSize)
		}
		sig = dec
	}
	if !ed25519.Verify(key, digest, sig) {
		return refused("the ed25519 signature does not verify sha256 %s", sum)
	}
	return nil
}

// ParseKey decodes a base64 ed25519 public key (from config).
func ParseKey(s string) (ed25519.PublicKey, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("not base64: %w", err)
	}
	if len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("an ed25519 public key is %d bytes, got %d", ed25519.PublicKeySize, len(b))
	}
	return ed25519.PublicKey(b), nil
}

// localName accepts an image name usable as a file name in the images
// directory (not the content directory, not hidden, no separators).
func localName(name string) bool {
	return name != "" && name != ContentDir && !strings.HasPrefix(name, ".") &&
		!strings.ContainsAny(name, "/\\") && filepath.IsLocal(name)
}
