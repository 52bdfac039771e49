package secret

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newKeyring(t *testing.T) *Keyring {
	t.Helper()
	k, err := Load(filepath.Join(t.TempDir(), "secret.key"), "")
	require.NoError(t, err)
	return k
}

func TestRoundTrip(t *testing.T) {
	k := newKeyring(t)
	for _, pt := range [][]byte{nil, []byte("hunter2"), bytes.Repeat([]byte{0xff}, 4096)} {
		sealed, err := k.Seal(pt, []byte("r1-bmc"))
		require.NoError(t, err)
		assert.Equal(t, version1, sealed[0])
		if len(pt) > 0 {
			assert.NotContains(t, string(sealed), string(pt))
		}
		got, err := k.Open(sealed, []byte("r1-bmc"))
		require.NoError(t, err)
		assert.Equal(t, string(pt), string(got))
	}
}

func TestSealUsesFreshNonces(t *testing.T) {
	k := newKeyring(t)
	a, err := k.Seal([]byte("same"), nil)
	require.NoError(t, err)
	b, err := k.Seal([]byte("same"), nil)
	require.NoError(t, err)
	assert.NotEqual(t, a, b)
}

func TestOpenRefuses(t *testing.T) {
	k := newKeyring(t)
	other := newKeyring(t)
	sealed, err := k.Seal([]byte("hunter2"), []byte("r1-bmc"))
	require.NoError(t, err)
	flip := func(i int) []byte {
		b := bytes.Clone(sealed)
		b[i] ^= 1
		return b
	}
	tests := []struct {
		name   string
		k      *Keyring
		sealed []byte
		aad    string
		want   string
	}{
		{"tampered ciphertext", k, flip(len(sealed) - 1), "r1-bmc", ErrOpen.Error()},
		{"tampered nonce", k, flip(3), "r1-bmc", ErrOpen.Error()},
		{"wrong aad", k, sealed, "r2-bmc", ErrOpen.Error()},
		{"wrong key", other, sealed, "r1-bmc", ErrOpen.Error()},
		{"unknown version", k, append([]byte{9}, sealed[1:]...), "r1-bmc", "unknown sealed value version 9"},
		{"truncated", k, sealed[:10], "r1-bmc", "too short"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.k.Open(tt.sealed, []byte(tt.aad))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestLoadCreatesKeyFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, "secret.key")
	k1, err := Load(path, "")
	require.NoError(t, err)

	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	assert.Equal(t, int64(KeySize), fi.Size())
	di, err := os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), di.Mode().Perm())

	// A second load reads the same key back.
	sealed, err := k1.Seal([]byte("x"), nil)
	require.NoError(t, err)
	k2, err := Load(path, "")
	require.NoError(t, err)
	got, err := k2.Open(sealed, nil)
	require.NoError(t, err)
	assert.Equal(t, "x", string(got))
}

func TestLoadRefusesBadKeyFile(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		perm os.FileMode
		want string
	}{
		{"world readable", make([]byte, KeySize), 0o644, "permissions 0644 let group or others read it; run chmod 600"},
		{"group readable", make([]byte, KeySize), 0o640, "permissions 0640"},
		{"short", make([]byte, 16), 0o600, "16 bytes, want 32"},
		{"long", make([]byte, 33), 0o600, "33 bytes, want 32"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "secret.key")
			require.NoError(t, os.WriteFile(path, tt.data, 0o600))
			require.NoError(t, os.Chmod(path, tt.perm))
			_, err := Load(path, "")
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Contains(t, err.Error(), path)
		})
	}
}

func TestLoadFromEnv(t *testing.T) {
	key := bytes.Repeat([]byte{7}, KeySize)
	path := filepath.Join(t.TempDir(), "secret.key")
	k, err := Load(path, base64.StdEncoding.EncodeToString(key))
	require.NoError(t, err)
	_, err = os.Stat(path)
	assert.ErrorIs(t, err, os.ErrNotExist, "the env key must not create a key file")

	direct, err := New(key)
	require.NoError(t, err)
	sealed, err := direct.Seal([]byte("x"), []byte("a"))
	require.NoError(t, err)
	got, err := k.Open(sealed, []byte("a"))
	require.NoError(t, err)
	assert.Equal(t, "x", string(got))
}

func TestLoadFromEnvRefusesBadValue(t *testing.T) {
	secretish := "not*base64*at*all"
	_, err := Load("", secretish)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "SLIPWAY_SECRET_KEY")
	assert.NotContains(t, err.Error(), secretish)

	_, err = Load("", base64.StdEncoding.EncodeToString([]byte("short")))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "decodes to 5 bytes, want 32")
}
