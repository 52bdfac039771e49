package bmc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/store"
)

// Opener decrypts a sealed credential (secret.Keyring; aad is the
// credential's name).
type Opener interface {
	Open(sealed, aad []byte) ([]byte, error)
}

// LoadTarget reads machine's declared BMC and decrypts its credentials.
// Errors are ErrConfig *Errors that say what is missing.
func LoadTarget(ctx context.Context, db *store.DB, keys Opener, machine string) (Target, error) {
	var spec inventory.MachineSpec
	var cred store.Credential
	err := db.View(ctx, func(tx *store.Tx) error {
		obj, err := tx.GetObject(string(inventory.KindMachine), machine)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(obj.Spec, &spec); err != nil {
			return fmt.Errorf("machine %s: spec: %w", machine, err)
		}
		if spec.BMC == nil || spec.BMC.Address == "" {
			return &Error{Kind: ErrConfig, Msg: "machine " + machine + " declares no bmc.address"}
		}
		if spec.BMC.CredentialsRef == "" {
			return &Error{Kind: ErrConfig, Msg: "machine " + machine + " declares no bmc.credentialsRef"}
		}
		cred, err = tx.GetCredential(spec.BMC.CredentialsRef)
		if errors.Is(err, store.ErrNotFound) {
			return &Error{Kind: ErrConfig, Msg: fmt.Sprintf("credentials %q have no stored secret (slipway create credentials %s)",
				spec.BMC.CredentialsRef, spec.BMC.CredentialsRef)}
		}
		return err
	})
	if err != nil {
		var be *Error
		if errors.As(err, &be) {
			return Target{}, be
		}
		return Target{}, &Error{Kind: ErrConfig, Msg: err.Error()}
	}
	ep, err := ParseAddress(spec.BMC.Address)
	if err != nil {
		return Target{}, &Error{Kind: ErrConfig, Msg: err.Error()}
	}
	pw, err := keys.Open(cred.Sealed, []byte(cred.Name))
	if err != nil {
		return Target{}, &Error{Kind: ErrConfig, Msg: fmt.Sprintf("credentials %q: %v", cred.Name, err)}
	}
	return Target{Endpoint: ep, Username: cred.Username, Password: string(pw),
		InsecureSkipVerify: spec.BMC.InsecureSkipVerify}, nil
}
