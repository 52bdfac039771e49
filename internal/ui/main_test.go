package ui

import (
	"os"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// TestMain lowers the bcrypt cost: the tests sign in hundreds of times, and
// at the production cost (12) under -race that alone takes minutes. What the
// tests check (wrong passwords refused, equal cost for unknown users, the
// throttle) does not depend on the cost.
func TestMain(m *testing.M) {
	bcryptCost = bcrypt.MinCost
	os.Exit(m.Run())
}

func TestProductionBcryptCost(t *testing.T) {
	if productionBcryptCost < 12 {
		t.Fatalf("bcrypt cost %d: stored password hashes need at least 12", productionBcryptCost)
	}
}
