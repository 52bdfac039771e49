package server

import (
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/store"
)

// maxSecretBytes bounds a credential's username and password.
const maxSecretBytes = 1024

// A fleet manager's credentials hold a kubeconfig (username "kubeconfig"),
// which carries certificates: its secret may be up to maxKubeconfigBytes.
const (
	kubeconfigUsername = "kubeconfig"
	maxKubeconfigBytes = 64 << 10
)

// validName reports whether s is a DNS label, as inventory names are.
func validName(s string) bool {
	if s == "" || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// credentialsView joins the declared Credentials objects with the stored
// secrets, by name. The secret itself never leaves the store.
func credentialsView(objs []store.Object, creds []store.Credential) []api.Credentials {
	byName := map[string]*api.Credentials{}
	var order []string
	for _, o := range objs {
		byName[o.Name] = &api.Credentials{Name: o.Name, Declared: true, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt}
		order = append(order, o.Name)
	}
	for _, c := range creds {
		v, ok := byName[c.Name]
		if !ok {
			v = &api.Credentials{Name: c.Name}
			byName[c.Name] = v
			order = append(order, c.Name)
		}
		v.Username, v.HasSecret, v.CreatedAt, v.UpdatedAt = c.Username, true, c.CreatedAt, c.UpdatedAt
	}
	slices.Sort(order)
	out := make([]api.Credentials, 0, len(order))
	for _, n := range order {
		out = append(out, *byName[n])
	}
	return out
}

// readCredentials returns the credentials view of name ("" for all).
func readCredentials(tx *store.Tx, name string) ([]api.Credentials, error) {
	var (
		objs  []store.Object
		creds []store.Credential
	)
	if name == "" {
		var err error
		if objs, err = tx.ListObjects(string(inventory.KindCredentials)); err != nil {
			return nil, fmt.Errorf("list credentials objects: %w", err)
		}
		if creds, err = tx.ListCredentials(); err != nil {
			return nil, fmt.Errorf("list credentials: %w", err)
		}
		return credentialsView(objs, creds), nil
	}
	o, err := optionalObject(tx, inventory.KindCredentials, name)
	if err != nil {
		return nil, err
	}
	if o != nil {
		objs = append(objs, *o)
	}
	c, err := tx.GetCredential(name)
	switch {
	case err == nil:
		creds = append(creds, c)
	case !errors.Is(err, store.ErrNotFound):
		return nil, err
	}
	return credentialsView(objs, creds), nil
}

func (s *Server) listCredentials(c echo.Context) error {
	var out []api.Credentials
	err := s.db.View(c.Request().Context(), func(tx *store.Tx) error {
		var err error
		out, err = readCredentials(tx, "")
		return err
	})
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, api.List[api.Credentials]{Items: out})
}

func (s *Server) getCredentials(c echo.Context) error {
	name := c.Param("name")
	var out []api.Credentials
	err := s.db.View(c.Request().Context(), func(tx *store.Tx) error {
		var err error
		out, err = readCredentials(tx, name)
		return err
	})
	if err != nil {
		return err
	}
	if len(out) == 0 {
		return fmt.Errorf("credentials %s: %w", name, store.ErrNotFound)
	}
	return writeJSON(c, http.StatusOK, out[0])
}

// postCredentials stores a secret: the password sealed (AES-GCM, bound to
// the name), the username in clear. The request body is never logged.
func (s *Server) postCredentials(c echo.Context) error {
	var req api.CredentialsRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	setTarget(c, req.Name)
	if err := checkCredentialsRequest(&req); err != nil {
		return err
	}
	sealed, err := s.sealer.Seal([]byte(req.Password), []byte(req.Name))
	if err != nil {
		return fmt.Errorf("credentials %s: seal: %w", req.Name, err)
	}
	var out []api.Credentials
	err = s.db.Update(c.Request().Context(), func(tx *store.Tx) error {
		if err := tx.PutCredential(&store.Credential{Name: req.Name, Username: req.Username, Sealed: sealed}); err != nil {
			return err
		}
		out, err = readCredentials(tx, req.Name)
		return err
	})
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusCreated, out[0])
}

func checkCredentialsRequest(req *api.CredentialsRequest) error {
	switch {
	case !validName(req.Name):
		return badRequest("name", "%q is not a valid name (lower case letters, digits and '-', at most 63 characters)", req.Name)
	case req.Username == "":
		return badRequest("username", "required")
	case len(req.Username) > maxSecretBytes:
		return badRequest("username", "longer than %d bytes", maxSecretBytes)
	case req.Password == "":
		return badRequest("password", "required")
	case req.Username == kubeconfigUsername && len(req.Password) > maxKubeconfigBytes:
		return badRequest("password", "longer than %d bytes", maxKubeconfigBytes)
	case req.Username != kubeconfigUsername && len(req.Password) > maxSecretBytes:
		return badRequest("password", "longer than %d bytes", maxSecretBytes)
	}
	return nil
}

// deleteCredentials deletes the declared object (refused with 409 while a
// machine refers to it) and then the secret.
func (s *Server) deleteCredentials(c echo.Context) error {
	name := c.Param("name")
	rev, err := queryRevision(c)
	if err != nil {
		return err
	}
	var view []api.Credentials
	err = s.db.View(c.Request().Context(), func(tx *store.Tx) error {
		view, err = readCredentials(tx, name)
		return err
	})
	if err != nil {
		return err
	}
	if len(view) == 0 {
		return fmt.Errorf("credentials %s: %w", name, store.ErrNotFound)
	}
	if view[0].Declared {
		if err := s.deleteDeclared(c, inventory.KindCredentials, name, rev); err != nil {
			return err
		}
	}
	err = s.db.Update(c.Request().Context(), func(tx *store.Tx) error {
		if err := tx.DeleteCredential(name); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
