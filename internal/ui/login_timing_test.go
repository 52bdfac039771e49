package ui

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"golang.org/x/crypto/bcrypt"
)

// TestUnknownUserCostsAsMuchAsAWrongPassword: the hash compared for an
// unknown user has the stored hashes' cost, so timing does not tell which
// user names exist.
func TestUnknownUserCostsAsMuchAsAWrongPassword(t *testing.T) {
	cost, err := bcrypt.Cost(dummyHash())
	assert.NoError(t, err)
	assert.Equal(t, bcryptCost, cost)
}
