package image

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/store"
)

// storeTimeout bounds recording an outcome (after the import's ctx may have ended).
const storeTimeout = 5 * time.Second

// Import brings the declared image into the catalogue from its declared
// source (nothing is read when its content is already stored) and records
// the outcome. The error is the reason it failed, also recorded.
func (c *Catalogue) Import(ctx context.Context, name string, spec inventory.ImageSpec) (store.ImageStatus, error) {
	return c.ingest(ctx, name, spec, func() (source, error) { return c.open(ctx, spec) })
}

// Upload imports body as the content of the declared image name, verified
// against its declared format, sha256 and signature. A name that is not a
// declared Image is store.ErrNotFound.
func (c *Catalogue) Upload(ctx context.Context, name string, body io.Reader) (store.ImageStatus, error) {
	spec, err := c.declared(ctx, name)
	if err != nil {
		return store.ImageStatus{}, err
	}
	if c.hasContent(spec.SHA256) {
		return c.reupload(ctx, name, spec, body)
	}
	return c.ingest(ctx, name, spec, func() (source, error) { return source{r: body, close: func() {}}, nil })
}

// reupload verifies an upload of content that is already stored: the body
// is still read and checked (a wrong push is refused), but a refusal does
// not change the image's status, since its stored content is verified.
func (c *Catalogue) reupload(ctx context.Context, name string, spec inventory.ImageSpec, body io.Reader) (store.ImageStatus, error) {
	if err := c.checkDeclared(ctx, name, spec); err != nil {
		return store.ImageStatus{}, err
	}
	unlock := c.lock(name)
	_, err := c.writeContent(ctx, name, spec.Format, spec.SHA256, body)
	unlock()
	if err != nil {
		return store.ImageStatus{}, err
	}
	return c.ingest(ctx, name, spec, func() (source, error) { return source{}, errors.New("unreachable: content is stored") })
}

// declared reads the Image object name's spec.
func (c *Catalogue) declared(ctx context.Context, name string) (inventory.ImageSpec, error) {
	var o store.Object
	err := c.db.View(ctx, func(tx *store.Tx) error {
		var err error
		o, err = tx.GetObject(string(inventory.KindImage), name)
		return err
	})
	if err != nil {
		return inventory.ImageSpec{}, err
	}
	return decodeSpec(o)
}

func decodeSpec(o store.Object) (inventory.ImageSpec, error) {
	var spec inventory.ImageSpec
	if err := json.Unmarshal(o.Spec, &spec); err != nil {
		return spec, fmt.Errorf("image %s: spec: %w", o.Name, err)
	}
	return spec, nil
}

// ingest runs one import of name under its lock: the declaration and the
// signature are checked first, then the content is stored unless it is
// already, then the name is linked and the image marked ready.
func (c *Catalogue) ingest(ctx context.Context, name string, spec inventory.ImageSpec, open func() (source, error)) (store.ImageStatus, error) {
	defer c.lock(name)()
	st := store.ImageStatus{Name: name, Status: store.ImagePending, SHA256: spec.SHA256, Format: spec.Format}
	err := c.checkDeclared(ctx, name, spec)
	if err == nil && !c.hasContent(spec.SHA256) {
		if err = c.record(ctx, st, nil); err == nil {
			st.Size, err = c.fetch(ctx, name, spec, open)
		}
	}
	if err == nil {
		st.Size, err = c.size(spec.SHA256)
	}
	if err == nil {
		var ri rawInfo
		if ri, err = c.raw(spec.SHA256, spec.Format); err != nil {
			// content that does not decompress is useless under any name
			err = errors.Join(fmt.Errorf("image %s: %w", name, err), os.Remove(c.contentPath(spec.SHA256)))
		}
		st.RawSize, st.RawSHA256 = ri.Size, ri.SHA256
	}
	if err == nil {
		err = c.link(name, spec.SHA256)
	}
	if err != nil {
		st.Status, st.Size, st.RawSize, st.RawSHA256, st.Reason = store.ImageFailed, 0, 0, "", err.Error()
		if uerr := c.unlink(name); uerr != nil {
			c.log.Warn("image: unlink failed image", "image", name, "err", uerr)
		}
	} else {
		st.Status = store.ImageReady
	}
	if rerr := c.record(context.WithoutCancel(ctx), st, err); rerr != nil {
		return st, errors.Join(err, rerr)
	}
	return st, err
}

// checkDeclared refuses what cannot be imported before anything is read:
// an unsupported format, a malformed sha256, a reserved name, a signature
// that does not verify.
func (c *Catalogue) checkDeclared(ctx context.Context, name string, spec inventory.ImageSpec) error {
	if err := checkFormatName(spec.Format); err != nil {
		return fmt.Errorf("image %s: %w", name, err)
	}
	if !isHex256(spec.SHA256) {
		return refused("image %s: sha256 %q is not 64 lower case hex digits", name, spec.SHA256)
	}
	if !localName(name) {
		return refused("image %s: the name is reserved or not a plain file name", name)
	}
	if spec.Signature == nil {
		return nil
	}
	if err := c.checkSignature(ctx, spec); err != nil {
		return fmt.Errorf("image %s: %w", name, err)
	}
	return nil
}

func (c *Catalogue) checkSignature(ctx context.Context, spec inventory.ImageSpec) error {
	sig := spec.Signature
	if sig.Type != "" && sig.Type != "ed25519" {
		return refused("signature type %q is not supported yet (only ed25519)", sig.Type)
	}
	key, ok := c.cfg.Keys[sig.KeyRef]
	if !ok {
		return refused("signature keyRef %q is not a key in the config (images.keys)", sig.KeyRef)
	}
	b, err := c.signature(ctx, spec)
	if err != nil {
		return err
	}
	return verifySignature(key, spec.SHA256, b)
}

// fetch opens the source and stores its content.
func (c *Catalogue) fetch(ctx context.Context, name string, spec inventory.ImageSpec, open func() (source, error)) (int64, error) {
	src, err := open()
	if err != nil {
		return 0, fmt.Errorf("image %s: %w", name, err)
	}
	defer src.close()
	return c.writeContent(ctx, name, spec.Format, spec.SHA256, src.r)
}

func (c *Catalogue) size(sum string) (int64, error) {
	fi, err := os.Stat(c.contentPath(sum))
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// record writes the status and, for a final one (ready or failed), the
// image.ready / image.failed event, in one transaction.
func (c *Catalogue) record(ctx context.Context, st store.ImageStatus, cause error) error {
	ctx, cancel := context.WithTimeout(ctx, storeTimeout)
	defer cancel()
	return c.db.Update(ctx, func(tx *store.Tx) error {
		if err := tx.PutImageStatus(&st); err != nil {
			return err
		}
		e := &store.Event{Type: "image." + st.Status, Actor: "system"}
		switch st.Status {
		case store.ImageReady:
			e.Message = fmt.Sprintf("image %s ready: %s, %d bytes, sha256 %s", st.Name, st.Format, st.Size, st.SHA256)
		case store.ImageFailed:
			e.Message, e.Reason = cause.Error(), "error"
			if errors.Is(cause, ErrRefused) {
				e.Reason = "refused"
			}
		default:
			return nil
		}
		e.Data, _ = json.Marshal(map[string]any{"image": st.Name, "sha256": st.SHA256, "format": st.Format, "size": st.Size})
		return tx.AppendEvent(e)
	})
}
