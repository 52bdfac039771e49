package provider

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/inventory"
)

// client wraps the API client with what the resources share: a list of
// machines and of objects per kind read once per provider instance (so a
// plan over 500 machines makes one request, not 500) and dropped after any
// write, and the translation of API errors into diagnostics.
type client struct {
	api *api.Client

	mu       sync.Mutex
	machines map[string]api.Machine // nil until listed
	objects  map[inventory.Kind]map[string]api.Object
}

func newClient(c *api.Client) *client {
	return &client{api: c, objects: map[inventory.Kind]map[string]api.Object{}}
}

// machine returns a machine from the cached list (listing once); ok is
// false when it does not exist.
func (c *client) machine(ctx context.Context, name string) (api.Machine, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.machines == nil {
		l, err := c.api.Machines(ctx, api.MachineQuery{})
		if err != nil {
			return api.Machine{}, false, err
		}
		c.machines = make(map[string]api.Machine, len(l.Items))
		for _, m := range l.Items {
			c.machines[m.Name] = m
		}
	}
	m, ok := c.machines[name]
	return m, ok, nil
}

// object returns an object of kind from the cached list of that kind.
func (c *client) object(ctx context.Context, kind inventory.Kind, name string) (api.Object, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	byName, ok := c.objects[kind]
	if !ok {
		l, err := c.api.Objects(ctx, kind)
		if err != nil {
			return api.Object{}, false, err
		}
		byName = make(map[string]api.Object, len(l.Items))
		for _, o := range l.Items {
			byName[o.Name] = o
		}
		c.objects[kind] = byName
	}
	o, ok := byName[name]
	return o, ok, nil
}

// forget drops the cached lists after a write.
func (c *client) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.machines = nil
	clear(c.objects)
}

// applyOne applies one object through the inventory API. expect is the
// revision the object must have now (0: it must not exist), so a change made
// outside Terraform since the last read is refused rather than overwritten.
func (c *client) applyOne(ctx context.Context, obj inventory.Object, expect int64) error {
	return c.apply(ctx, obj, []inventory.Expectation{{Kind: obj.Kind, Name: obj.Metadata.Name, Revision: expect}})
}

// apply applies one object with the given expectations (nil: none).
func (c *client) apply(ctx context.Context, obj inventory.Object, expect []inventory.Expectation) error {
	defer c.forget()
	obj.APIVersion = inventory.APIVersion
	doc, err := json.Marshal(obj) // JSON is YAML: the appliance decodes it strictly
	if err != nil {
		return fmt.Errorf("encode %s: %w", obj.Key(), err)
	}
	_, err = c.api.Apply(ctx, api.ApplyRequest{
		Files:  []inventory.File{{Name: "terraform", Content: string(doc)}},
		Expect: expect,
	})
	return err
}

// deleteOne deletes an object at revision (0: any). A missing object is not
// an error.
func (c *client) deleteOne(ctx context.Context, kind inventory.Kind, name string, revision int64) error {
	defer c.forget()
	err := c.api.Delete(ctx, kind, name, revision)
	if api.IsStatus(err, http.StatusNotFound) {
		return nil
	}
	return err
}

// fieldMap maps an inventory field path ("spec.bmc.address") to the
// attribute that sets it; the longest matching prefix wins.
type fieldMap map[string]string

func (f fieldMap) attr(field string) path.Path {
	best, attr := -1, ""
	for prefix, a := range f {
		if (field == prefix || strings.HasPrefix(field, prefix+".") || strings.HasPrefix(field, prefix+"[")) &&
			len(prefix) > best {
			best, attr = len(prefix), a
		}
	}
	if attr == "" {
		return path.Empty()
	}
	return path.Root(attr)
}

// addError adds err as diagnostics: each inventory problem on the attribute
// it names, and a plain explanation for transport and authentication
// failures.
func (c *client) addError(d *diag.Diagnostics, fields fieldMap, summary string, err error) {
	var ae *api.Error
	if errors.As(err, &ae) {
		c.addAPIError(d, fields, summary, ae)
		return
	}
	d.AddError(summary, explainTransport(c.api.Server(), err))
}

func (c *client) addAPIError(d *diag.Diagnostics, fields fieldMap, summary string, ae *api.Error) {
	switch ae.Status {
	case http.StatusUnauthorized:
		d.AddError(summary, "The appliance refused the API token (it is invalid, revoked or expired): "+
			ae.Message+". Set a valid token in the provider's token setting or "+EnvToken+".")
		return
	case http.StatusForbidden:
		d.AddError(summary, "The API token's role does not allow this: "+ae.Message)
		return
	case http.StatusConflict:
		d.AddError(summary, ae.Error()+". The object changed outside Terraform since it was read, or "+
			"another object still refers to it: run terraform plan again to see the current state.")
		return
	}
	if len(ae.Errors) == 0 {
		ae.Errors = []inventory.FieldError{{Field: ae.Field, Message: ae.Message}}
	}
	for _, fe := range ae.Errors {
		p := path.Empty()
		if fields != nil {
			p = fields.attr(fe.Field)
		}
		msg := fe.Message
		if fe.Field != "" {
			msg = fe.Field + ": " + msg
		}
		if p.Equal(path.Empty()) {
			d.AddError(summary, msg)
		} else {
			d.AddAttributeError(p, summary, msg)
		}
	}
}

// explainTransport says what a request failure means for the user.
func explainTransport(server string, err error) string {
	var (
		ue   *url.Error
		ne   net.Error
		uae  x509.UnknownAuthorityError
		hne  x509.HostnameError
		cerr x509.CertificateInvalidError
	)
	switch {
	case errors.As(err, &uae), errors.As(err, &hne), errors.As(err, &cerr):
		return fmt.Sprintf("The appliance at %s presented a certificate this provider does not trust (%v). "+
			"Set ca_cert (or %s) to the appliance's CA (<data dir>/pki/ca.crt).", server, err, EnvCAFile)
	case errors.As(err, &ne) || errors.As(err, &ue):
		return fmt.Sprintf("Cannot reach the Slipway appliance at %s: %v. Check the endpoint setting (or %s) "+
			"and that the appliance is running.", server, err, EnvServer)
	}
	return err.Error()
}
