package kube

import (
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
)

func TestBootstrapTokenFormat(t *testing.T) {
	tok, err := NewBootstrapToken(testNow, 2*time.Hour, "node r1-u06")
	require.NoError(t, err)
	assert.Regexp(t, regexp.MustCompile(`^[a-z0-9]{6}\.[a-z0-9]{16}$`), tok.Value())
	assert.Equal(t, testNow.Add(2*time.Hour), tok.Expires)
	other, err := NewBootstrapToken(testNow, time.Hour, "")
	require.NoError(t, err)
	assert.NotEqual(t, tok.Value(), other.Value())

	parsed, err := ParseBootstrapToken(tok.Value())
	require.NoError(t, err)
	assert.Equal(t, tok.ID, parsed.ID)
	assert.Equal(t, tok.Secret, parsed.Secret)

	_, err = NewBootstrapToken(testNow, 0, "")
	require.Error(t, err)
}

func TestBootstrapTokenNeverPrintsSecret(t *testing.T) {
	tok := testToken(t)
	for _, s := range []string{tok.String(), fmt.Sprint(tok), fmt.Sprintf("%v %+v %#v %s", tok, tok, tok, tok)} {
		assert.NotContains(t, s, tok.Secret)
	}
	assert.Contains(t, tok.String(), tok.ID)
}

func TestParseBootstrapTokenRejects(t *testing.T) {
	for _, s := range []string{"", "abcdef", "abcdef.0123456789abcde", "ABCDEF.0123456789abcdef", "abcdef:0123456789abcdef",
		"abcdef.0123456789abcdef.x", "abcde.0123456789abcdefg"} {
		_, err := ParseBootstrapToken(s)
		require.Error(t, err, s)
		if len(s) > 6 {
			assert.NotContains(t, err.Error(), s[7:], "the error must not echo the secret part")
		}
	}
}

func TestBootstrapTokenValidate(t *testing.T) {
	tok := testToken(t)
	require.NoError(t, tok.Validate(testNow))
	require.ErrorContains(t, tok.Validate(testNow.Add(time.Hour)), "expired")
	noExpiry := tok
	noExpiry.Expires = time.Time{}
	require.ErrorContains(t, noExpiry.Validate(testNow), "no expiry")
	bad := tok
	bad.Secret = "short"
	require.Error(t, bad.Validate(testNow))
}

func TestBootstrapTokenSecret(t *testing.T) {
	tok := BootstrapToken{ID: "abcdef", Secret: "0123456789abcdef", Expires: testNow.Add(time.Hour), Description: "node w-1"}
	s := tok.SecretObject()
	assert.Equal(t, "bootstrap-token-abcdef", s.Name)
	assert.Equal(t, "kube-system", s.Namespace)
	assert.Equal(t, corev1.SecretType("bootstrap.kubernetes.io/token"), s.Type)
	assert.Equal(t, "Secret", s.Kind)
	got := map[string]string{}
	for k, v := range s.Data {
		got[k] = string(v)
	}
	assert.Equal(t, map[string]string{
		"token-id":                       "abcdef",
		"token-secret":                   "0123456789abcdef",
		"expiration":                     "2026-11-24T13:00:00Z",
		"usage-bootstrap-authentication": "true",
		"usage-bootstrap-signing":        "true",
		"auth-extra-groups":              "system:bootstrappers:kubeadm:default-node-token",
		"description":                    "node w-1",
	}, got)
}

// FuzzParseBootstrapToken: any input is parsed without panicking, and an
// accepted token reads back as itself.
func FuzzParseBootstrapToken(f *testing.F) {
	for _, s := range []string{"abcdef.0123456789abcdef", "", ".", "abcdef.", "ABCDEF.0123456789ABCDEF", "abcdef.0123456789abcdef\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tok, err := ParseBootstrapToken(s)
		if err != nil {
			return
		}
		require.Equal(t, s, tok.Value())
		require.Len(t, tok.ID, 6)
		require.Len(t, tok.Secret, 16)
	})
}
