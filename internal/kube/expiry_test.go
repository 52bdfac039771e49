package kube

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExpiring(t *testing.T) {
	p := testPKI(t)
	fs, err := p.NodeFiles(oneCP(), "r1-u05", testToken(t), testNow)
	require.NoError(t, err)
	// A kubeconfig issued later expires later: it must be listed last.
	late, err := p.AdminKubeconfig(oneCP(), "bob", CertValidity, testNow.Add(35*24*time.Hour))
	require.NoError(t, err)
	fs.add(KubeDir+"/bob.conf", late, modePrivate)

	all, err := Expiries(fs)
	require.NoError(t, err)
	// 3 CA certificates, 7 leaves, 5 kubeconfigs with embedded certificates
	// (kubelet.conf names a file), the kubelet's pem, bob.
	require.Len(t, all, 3+7+5+1+1)
	assert.Equal(t, KubeDir+"/bob.conf", all[len(all)-4].Path)
	assert.True(t, all[len(all)-1].IsCA)

	tests := []struct {
		name   string
		now    time.Time
		window time.Duration
		want   int
	}{
		{"fresh", testNow, 30 * 24 * time.Hour, 0},
		{"31 days before leaf expiry", testNow.Add(CertValidity - 31*24*time.Hour), 30 * 24 * time.Hour, 0},
		{"29 days before leaf expiry", testNow.Add(CertValidity - 29*24*time.Hour), 30 * 24 * time.Hour, 7 + 5 + 1},
		{"leaves expired, bob not yet", testNow.Add(CertValidity + time.Hour), 0, 7 + 5 + 1},
		{"everything but the CAs", testNow.Add(CertValidity + 40*24*time.Hour), 0, 7 + 5 + 1 + 1},
		{"everything", testNow.Add(CAValidity), 0, 3 + 7 + 5 + 1 + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Expiring(fs, tt.now, tt.window)
			require.NoError(t, err)
			assert.Len(t, got, tt.want)
			for _, e := range got {
				assert.False(t, e.NotAfter.After(tt.now.Add(tt.window)), e.Path)
			}
		})
	}
}

func TestExpiriesRejectsBrokenFiles(t *testing.T) {
	_, err := Expiries(FileSet{"/etc/kubernetes/pki/x.crt": {Data: []byte("junk")}})
	require.ErrorContains(t, err, "x.crt")
	_, err = Expiries(FileSet{"/etc/kubernetes/x.conf": {Data: []byte("users: [{user: {client-certificate-data: '!!'}}]")}})
	require.ErrorContains(t, err, "x.conf")
}
