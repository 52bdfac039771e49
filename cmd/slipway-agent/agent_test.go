package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/agent"
)

// tlsPair is a CA and a leaf it signed, as the appliance serves them.
func tlsPair(t *testing.T) (tls.Certificate, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "slipway CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &key.PublicKey, key)
	require.NoError(t, err)
	ca, err := x509.ParseCertificate(caDER)
	require.NoError(t, err)
	leafTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "appliance"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, &key.PublicKey, key)
	require.NoError(t, err)
	sum := sha256.Sum256(caDER)
	return tls.Certificate{Certificate: [][]byte{leafDER, caDER}, PrivateKey: key}, "sha256:" + hex.EncodeToString(sum[:])
}

// fakeAppliance is a fake of the appliance's agent endpoints: it hands out
// first, then after each result the next of then.
type fakeAppliance struct {
	*httptest.Server
	mu        sync.Mutex
	first     agent.Task
	then      []agent.Task
	inventory agent.Inventory
	progress  []agent.Progress
	results   []agent.Result
}

func newFakeAppliance(t *testing.T, cert tls.Certificate, first agent.Task, then ...agent.Task) *fakeAppliance {
	f := &fakeAppliance{first: first, then: then}
	mux := http.NewServeMux()
	reply := func(w http.ResponseWriter, v any) { _ = json.NewEncoder(w).Encode(v) }
	authed := func(r *http.Request) bool { return r.Header.Get("Authorization") == "Bearer slwa_test" }
	mux.HandleFunc("POST "+agent.PathClaim, func(w http.ResponseWriter, r *http.Request) {
		var req agent.ClaimRequest
		_ = json.NewDecoder(r.Body).Decode(&req)
		if req.Token != "bt_1" || req.MAC != "52:54:00:77:00:10" {
			w.WriteHeader(http.StatusForbidden)
			reply(w, agent.Error{Error: "bad token", Field: "token"})
			return
		}
		reply(w, agent.ClaimResponse{Session: "slwa_test", Machine: req.Machine})
	})
	handle := func(path string, into func(r *http.Request) any) {
		mux.HandleFunc("POST "+path, func(w http.ResponseWriter, r *http.Request) {
			if !authed(r) {
				w.WriteHeader(http.StatusUnauthorized)
				reply(w, agent.Error{Error: "no session"})
				return
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			out := into(r)
			if out == nil {
				w.WriteHeader(http.StatusNoContent)
				return
			}
			reply(w, out)
		})
	}
	handle(agent.PathInventory, func(r *http.Request) any {
		_ = json.NewDecoder(r.Body).Decode(&f.inventory)
		return f.first
	})
	handle(agent.PathProgress, func(r *http.Request) any {
		var p agent.Progress
		_ = json.NewDecoder(r.Body).Decode(&p)
		f.progress = append(f.progress, p)
		return nil
	})
	handle(agent.PathResult, func(r *http.Request) any {
		var res agent.Result
		_ = json.NewDecoder(r.Body).Decode(&res)
		f.results = append(f.results, res)
		next := agent.Task{Action: agent.ActionWait}
		if len(f.then) > 0 {
			next, f.then = f.then[0], f.then[1:]
		}
		return next
	})
	f.Server = httptest.NewUnstartedServer(mux)
	f.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	f.StartTLS()
	t.Cleanup(f.Close)
	return f
}

func writeCmdline(t *testing.T, url, pin string) string {
	path := filepath.Join(t.TempDir(), "cmdline")
	line := fmt.Sprintf("console=ttyS0 slipway.url=%s slipway.token=bt_1 slipway.ca=%s slipway.machine=r1-u07 slipway.mac=52:54:00:77:00:10\n", url, pin)
	require.NoError(t, os.WriteFile(path, []byte(line), 0o600))
	return path
}

// mbrImage is a raw image of size bytes: an MBR with one partition, then
// a pattern.
func mbrImage(size int) []byte {
	img := bytes.Repeat([]byte("slipway-image "), size/14+1)[:size]
	clear(img[:512])
	img[446+4], img[446+8], img[446+12] = 0x83, 8, 64
	img[510], img[511] = 0x55, 0xaa
	return img
}

func hexSum(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// The real agent, outside PID 1, against a fake appliance: claim, inventory,
// install a zstd image to a file disk, report progress and the result, then
// wipe when told to and stop at the power-off.
func TestAgentInstallThenWipe(t *testing.T) {
	raw := mbrImage(3<<20 + 100)
	enc, err := zstd.NewWriter(nil)
	require.NoError(t, err)
	stored := enc.EncodeAll(raw, nil)
	images := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "img", time.Time{}, bytes.NewReader(stored))
	}))
	t.Cleanup(images.Close)

	cert, pin := tlsPair(t)
	in := &agent.Install{Image: "edge-os", URL: images.URL, Format: "raw.zst",
		SHA256: hexSum(stored), Size: int64(len(stored)), RawSHA256: hexSum(raw), RawSize: int64(len(raw)),
		Seed: &agent.Seed{MetaData: "instance-id: r1-u07\n", UserData: "#cloud-config\n"}}
	f := newFakeAppliance(t, cert, agent.Task{Action: agent.ActionInstall, Install: in},
		agent.Task{Action: agent.ActionWipe}, agent.Task{Action: agent.ActionPowerOff})

	disk := filepath.Join(t.TempDir(), "vda")
	require.NoError(t, os.WriteFile(disk, make([]byte, 16<<20), 0o600))
	var stdout, stderr bytes.Buffer
	err = run(context.Background(), []string{"-cmdline", writeCmdline(t, f.URL, pin), "-no-network", "-disks", disk}, &stdout, &stderr)
	require.NoError(t, err, stderr.String())

	f.mu.Lock()
	defer f.mu.Unlock()
	assert.NotZero(t, f.inventory.MemoryBytes, "the host's inventory was reported")
	require.Len(t, f.results, 2)
	assert.True(t, f.results[0].OK, f.results[0].Error)
	assert.Equal(t, agent.ActionInstall, f.results[0].Action)
	assert.Equal(t, hexSum(raw), f.results[0].SHA256)
	assert.Equal(t, disk, f.results[0].Disk)
	assert.True(t, f.results[1].OK)
	assert.Equal(t, agent.ActionWipe, f.results[1].Action)
	phases := map[string]bool{}
	for _, p := range f.progress {
		phases[p.Phase] = true
	}
	assert.Equal(t, map[string]bool{agent.PhaseDownload: true, agent.PhaseVerify: true, agent.PhaseSeed: true}, phases)
	b, err := os.ReadFile(disk)
	require.NoError(t, err)
	assert.Equal(t, make([]byte, 1<<20), b[:1<<20], "wiped after the install")
	assert.Contains(t, stderr.String(), "slipway-agent: ")
}

func TestAgentRefusedClaim(t *testing.T) {
	cert, pin := tlsPair(t)
	f := newFakeAppliance(t, cert, agent.Task{Action: agent.ActionWait})
	cmdline := writeCmdline(t, f.URL, pin)
	b, err := os.ReadFile(cmdline)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(cmdline, bytes.Replace(b, []byte("bt_1"), []byte("bt_2"), 1), 0o600))
	var stdout, stderr bytes.Buffer
	err = run(context.Background(), []string{"-cmdline", cmdline, "-no-network"}, &stdout, &stderr)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "claim: HTTP 403: bad token (field token)")
}

func TestAgentBadCmdline(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cmdline")
	require.NoError(t, os.WriteFile(path, []byte("console=ttyS0 slipway.url=http://x\n"), 0o600))
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"-cmdline", path, "-no-network"}, &stdout, &stderr)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "slipway.url")
}
