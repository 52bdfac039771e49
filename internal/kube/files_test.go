package kube

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"fmt"
	"log/slog"
	"math/big"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFilesNeverPrintContent(t *testing.T) {
	p := testPKI(t)
	fs, err := p.NodeFiles(oneCP(), "r1-u05", testToken(t), testNow)
	require.NoError(t, err)
	key := fs[PKIDir+"/ca.key"]
	var logged bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logged, nil))
	log.Info("delivering", "files", fs, "key", key)
	log.Info("delivering", slog.Any("files", fs))
	printed := fmt.Sprintf("%v %+v %#v %s %v %#v", fs, fs, fs, key, key, key)
	for _, out := range []string{logged.String(), printed} {
		assert.NotContains(t, out, "PRIVATE KEY")
		assert.NotContains(t, out, "BEGIN")
		assert.Contains(t, out, PKIDir+"/ca.key")
	}
	assert.Contains(t, printed, fmt.Sprintf("<%d bytes, -rw------->", len(key.Data)))
}

func TestFileSetMerge(t *testing.T) {
	a := FileSet{"/a": {Data: []byte("1"), Mode: modePublic}}
	require.NoError(t, a.Merge(FileSet{"/a": {Data: []byte("1"), Mode: modePublic}, "/b": {Data: []byte("2")}}))
	assert.Equal(t, []string{"/a", "/b"}, a.Paths())
	require.ErrorContains(t, a.Merge(FileSet{"/a": {Data: []byte("other")}}), "/a rendered twice")
	require.Error(t, a.Merge(FileSet{"/a": {Data: []byte("1"), Mode: modePrivate}}))
}

func TestClusterPKINeverPrintsKeys(t *testing.T) {
	p := testPKI(t)
	d, sa := scalar(t, p.CA.Key), scalar(t, p.ServiceAccount)
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("pki", "pki", p, "ca", p.CA, "key", p.CA)
	for _, out := range []string{fmt.Sprintf("%v %+v %#v %s", p, p, p, p), fmt.Sprintf("%v %+v %#v", p.CA, p.CA, p.CA), logged.String()} {
		assert.NotContains(t, out, d)
		assert.NotContains(t, out, sa)
	}
	assert.Contains(t, p.String(), "kubernetes until 2036-11-21")
}

// scalar is a private key's secret as a decimal number (how encoding/json
// and fmt would print it).
func scalar(t *testing.T, k crypto.Signer) string {
	t.Helper()
	b, err := k.(*ecdsa.PrivateKey).Bytes()
	require.NoError(t, err)
	return new(big.Int).SetBytes(b).String()
}
