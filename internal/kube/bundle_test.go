package kube

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNodeBundle(t *testing.T) {
	p, tok := testPKI(t), testToken(t)
	for _, tt := range []struct {
		node           string
		files, private int
	}{
		{"cp-a", 27 + len(nodeFiles) - 2, 16}, // 27 PKI files and kubeconfigs, 16 of them keys or kubeconfigs (0600); no keepalived behind a DNS endpoint
		{"w-1", 3 + len(nodeFiles) - 6, 2},
	} {
		t.Run(tt.node, func(t *testing.T) {
			fs, err := p.NodeBundle(threeCP(), tt.node, tok, testNow)
			require.NoError(t, err)
			assert.Len(t, fs, tt.files)
			var private int
			for _, f := range fs {
				if f.Mode == modePrivate {
					private++
				}
			}
			assert.Equal(t, tt.private, private)
			n, err := threeCP().Node(tt.node)
			require.NoError(t, err)
			for _, u := range Units(threeCP(), n) {
				assert.Contains(t, fs, "/etc/systemd/system/"+u)
			}
		})
	}
	_, err := p.NodeBundle(threeCP(), "w-1", BootstrapToken{}, testNow)
	require.ErrorContains(t, err, "bootstrap token")
}
