package boot

import (
	"crypto/rand"
	"crypto/sha256"
	"fmt"

	"github.com/slipway-dev/slipway/internal/store"
)

// TokenPrefix starts every boot token, so that one is recognizable in a
// kernel command line or a leaked log.
const TokenPrefix = "slwb_"

// HashToken is how a boot token is stored and looked up (the agent API
// claims a token with store.Tx.ClaimBootToken(HashToken(token))).
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// issueToken makes a new one-time boot token for machine, valid for the
// configured TTL, and stores its hash.
func (s *Server) issueToken(tx *store.Tx, machine string) (string, error) {
	token := TokenPrefix + rand.Text()
	t := store.BootToken{Hash: HashToken(token), Machine: machine, CreatedAt: tx.Now(),
		ExpiresAt: tx.Now().Add(s.cfg.TokenTTL)}
	if err := tx.CreateBootToken(&t); err != nil {
		return "", fmt.Errorf("boot token for %s: %w", machine, err)
	}
	return token, nil
}
