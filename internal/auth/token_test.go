package auth

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewAndCheck(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	secret, tok, err := New("ci", Operator, "token:admin", time.Hour, now)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(secret, "slw_"+tok.ID+"_"), secret)
	assert.NotContains(t, string(tok.Hash), secret, "only the hash is kept")
	assert.Equal(t, "ci", tok.Name)
	assert.Equal(t, Operator, tok.Role)
	assert.Equal(t, now.Add(time.Hour), *tok.ExpiresAt)

	id, err := ParseID(secret)
	require.NoError(t, err)
	assert.Equal(t, tok.ID, id)

	assert.NoError(t, Check(secret, tok, now))
	assert.ErrorIs(t, Check(secret+"x", tok, now), ErrInvalidToken, "wrong secret")
	assert.ErrorIs(t, Check(secret, tok, now.Add(time.Hour)), ErrInvalidToken, "expired at ExpiresAt")

	other, _, err := New("ci", Operator, "", 0, now)
	require.NoError(t, err)
	assert.NotEqual(t, secret, other, "tokens are random")
}

func TestNewRefusesBadInput(t *testing.T) {
	_, _, err := New("ci", "root", "", 0, time.Now())
	assert.EqualError(t, err, `role: "root" is not one of viewer, operator, admin`)
	_, _, err = New("", Viewer, "", 0, time.Now())
	assert.EqualError(t, err, "name: required")
}

func TestParseIDRejectsMalformed(t *testing.T) {
	for _, s := range []string{"", "slw_", "slw__abc", "Bearer slw_a_b", "abc_def_ghi", "slw_noseparator"} {
		_, err := ParseID(s)
		assert.ErrorIs(t, err, ErrInvalidToken, "%q", s)
	}
}

func TestAllows(t *testing.T) {
	tests := []struct {
		role, need string
		want       bool
	}{
		{Viewer, Viewer, true}, {Viewer, Operator, false}, {Viewer, Admin, false},
		{Operator, Viewer, true}, {Operator, Operator, true}, {Operator, Admin, false},
		{Admin, Viewer, true}, {Admin, Admin, true},
		{"", Viewer, false}, {"root", Viewer, false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, Allows(tt.role, tt.need), "%s needs %s", tt.role, tt.need)
	}
}
