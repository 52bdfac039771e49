// Package secret encrypts credentials at rest with AES-256-GCM. The key is 32
// random bytes kept in a 0600 file in the data directory (generated on first
// start) or given base64-encoded in SLIPWAY_SECRET_KEY. A sealed value is
// version byte || nonce || ciphertext; the caller's additional data (the
// credential's name) binds a sealed value to its row.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
)

// KeySize is the AES-256 key length in bytes.
const KeySize = 32

// version1 marks values sealed with AES-256-GCM and a 12-byte random nonce.
const version1 byte = 1

// ErrOpen is returned when a sealed value cannot be opened: wrong key, wrong
// additional data, or tampered bytes. It never says which.
var ErrOpen = errors.New("secret: cannot open sealed value (wrong key, wrong name, or tampered)")

// Keyring seals and opens secrets. It is safe for concurrent use.
type Keyring struct {
	aead cipher.AEAD
}

// New returns a Keyring for a 32-byte key.
func New(key []byte) (*Keyring, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secret: key is %d bytes, want %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	return &Keyring{aead: aead}, nil
}

// FromBase64 returns a Keyring for a base64 (standard or URL, padded or not)
// encoded 32-byte key, as SLIPWAY_SECRET_KEY holds it. Errors never contain
// the value.
func FromBase64(s string) (*Keyring, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding,
		base64.URLEncoding, base64.RawURLEncoding} {
		if key, err := enc.DecodeString(s); err == nil {
			if len(key) != KeySize {
				return nil, fmt.Errorf("SLIPWAY_SECRET_KEY: decodes to %d bytes, want %d", len(key), KeySize)
			}
			return New(key)
		}
	}
	return nil, errors.New("SLIPWAY_SECRET_KEY: not valid base64 (want 32 random bytes, base64-encoded)")
}

// Seal encrypts plaintext bound to aad.
func (k *Keyring) Seal(plaintext, aad []byte) ([]byte, error) {
	ns := k.aead.NonceSize()
	out := make([]byte, 1+ns, 1+ns+len(plaintext)+k.aead.Overhead())
	out[0] = version1
	if _, err := rand.Read(out[1 : 1+ns]); err != nil {
		return nil, fmt.Errorf("secret: nonce: %w", err)
	}
	return k.aead.Seal(out, out[1:1+ns], plaintext, aad), nil
}

// Open decrypts a value made by Seal with the same aad.
func (k *Keyring) Open(sealed, aad []byte) ([]byte, error) {
	ns := k.aead.NonceSize()
	if len(sealed) < 1+ns+k.aead.Overhead() {
		return nil, fmt.Errorf("secret: sealed value too short (%d bytes)", len(sealed))
	}
	if sealed[0] != version1 {
		return nil, fmt.Errorf("secret: unknown sealed value version %d", sealed[0])
	}
	pt, err := k.aead.Open(nil, sealed[1:1+ns], sealed[1+ns:], aad)
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}
