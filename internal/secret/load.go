package secret

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Load returns the Keyring for the appliance. When envValue (the content of
// SLIPWAY_SECRET_KEY) is set it is the key and keyFile is not touched.
// Otherwise the key is read from keyFile, which is created with a new random
// key (0600, its directory 0700) when absent. A key file of the wrong size or
// readable by group or others is refused.
func Load(keyFile, envValue string) (*Keyring, error) {
	if envValue != "" {
		return FromBase64(envValue)
	}
	if keyFile == "" {
		return nil, errors.New("secret: no key file and SLIPWAY_SECRET_KEY is not set")
	}
	key, err := readKeyFile(keyFile)
	if errors.Is(err, fs.ErrNotExist) {
		key, err = createKeyFile(keyFile)
	}
	if err != nil {
		return nil, err
	}
	return New(key)
}

func readKeyFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("secret key %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("secret key %s: not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("secret key %s: permissions %04o let group or others read it; run chmod 600 %s",
			path, perm, path)
	}
	key, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("secret key %s: %w", path, err)
	}
	if len(key) != KeySize {
		return nil, fmt.Errorf("secret key %s: %d bytes, want %d (the file holds the raw key)", path, len(key), KeySize)
	}
	return key, nil
}

// createKeyFile writes a new random key. O_EXCL makes a concurrent creator
// lose instead of overwriting the key that sealed existing secrets.
func createKeyFile(path string) ([]byte, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("secret key %s: %w", path, err)
	}
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("secret key %s: %w", path, err)
	}
	_, err = f.Write(key)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
		return nil, fmt.Errorf("secret key %s: %w", path, err)
	}
	return key, nil
}
