package kube

import (
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	bootstrapapi "k8s.io/cluster-bootstrap/token/api"
	bootstraputil "k8s.io/cluster-bootstrap/token/util"
)

// NodeBootstrapGroup is the extra group kubeadm gives node bootstrap tokens;
// RBAC lets it create CSRs and have them auto-approved.
const NodeBootstrapGroup = "system:bootstrappers:kubeadm:default-node-token"

// BootstrapToken is a kubelet bootstrap token (k8s.io/cluster-bootstrap:
// ID [a-z0-9]{6}, secret [a-z0-9]{16}) with a finite lifetime. It prints
// as "ID.<redacted>"; Value returns the whole token.
type BootstrapToken struct {
	ID, Secret  string
	Expires     time.Time
	Description string
}

// NewBootstrapToken makes a random token that expires ttl after now.
func NewBootstrapToken(now time.Time, ttl time.Duration, description string) (BootstrapToken, error) {
	if ttl <= 0 {
		return BootstrapToken{}, fmt.Errorf("bootstrap token: ttl %v: want a positive lifetime", ttl)
	}
	s, err := bootstraputil.GenerateBootstrapToken()
	if err != nil {
		return BootstrapToken{}, fmt.Errorf("bootstrap token: %w", err)
	}
	id, secret, _ := strings.Cut(s, ".")
	return BootstrapToken{ID: id, Secret: secret, Expires: now.Add(ttl).UTC().Truncate(time.Second),
		Description: description}, nil
}

// ParseBootstrapToken reads "id.secret" (no expiry: that lives in the Secret).
// The error never repeats the input, which may be a real token.
func ParseBootstrapToken(s string) (BootstrapToken, error) {
	if !bootstraputil.IsValidBootstrapToken(s) {
		return BootstrapToken{}, fmt.Errorf("bootstrap token: want [a-z0-9]{6}.[a-z0-9]{16} (%d characters given)", len(s))
	}
	id, secret, _ := strings.Cut(s, ".")
	return BootstrapToken{ID: id, Secret: secret}, nil
}

// Value is the token as kubelet presents it: "id.secret".
func (t BootstrapToken) Value() string { return bootstraputil.TokenFromIDAndSecret(t.ID, t.Secret) }

// String hides the secret.
func (t BootstrapToken) String() string { return t.ID + ".<redacted>" }

// GoString is String.
func (t BootstrapToken) GoString() string { return t.String() }

// Validate checks the format and that the token has not expired at now.
func (t BootstrapToken) Validate(now time.Time) error {
	if !bootstraputil.IsValidBootstrapToken(t.Value()) {
		return fmt.Errorf("token %s: want id [a-z0-9]{6} and secret [a-z0-9]{16}", t.ID)
	}
	if t.Expires.IsZero() {
		return fmt.Errorf("token %s: no expiry (tokens must have a finite lifetime)", t.ID)
	}
	if !now.Before(t.Expires) {
		return fmt.Errorf("token %s: expired at %s", t.ID, t.Expires.Format(time.RFC3339))
	}
	return nil
}

// SecretObject is the kube-system Secret that makes the apiserver accept the
// token (with --enable-bootstrap-token-auth) for authentication as
// system:bootstrap:ID in NodeBootstrapGroup, and lets the bootstrap signer
// use it; the token cleaner controller deletes it at expiry.
func (t BootstrapToken) SecretObject() *corev1.Secret {
	data := map[string][]byte{
		bootstrapapi.BootstrapTokenIDKey:               []byte(t.ID),
		bootstrapapi.BootstrapTokenSecretKey:           []byte(t.Secret),
		bootstrapapi.BootstrapTokenExpirationKey:       []byte(t.Expires.UTC().Format(time.RFC3339)),
		bootstrapapi.BootstrapTokenUsageAuthentication: []byte("true"),
		bootstrapapi.BootstrapTokenUsageSigningKey:     []byte("true"),
		bootstrapapi.BootstrapTokenExtraGroupsKey:      []byte(NodeBootstrapGroup),
	}
	if t.Description != "" {
		data[bootstrapapi.BootstrapTokenDescriptionKey] = []byte(t.Description)
	}
	return &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Name: bootstraputil.BootstrapTokenSecretName(t.ID), Namespace: metav1.NamespaceSystem},
		Type:       bootstrapapi.SecretTypeBootstrapToken,
		Data:       data,
	}
}
