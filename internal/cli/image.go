package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/store"
)

// imageCommand is `slipway image push|status`.
func (a *app) imageCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "image", Short: "Upload image content and show the image catalogue's status"}
	push := &cobra.Command{
		Use:   "push NAME FILE",
		Short: "Upload FILE as the content of the declared image NAME (verified against its sha256)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.imagePush(cmd.Context(), args[0], args[1])
		},
	}
	var output string
	status := &cobra.Command{
		Use:   "status [NAME]",
		Short: "Show the images' status (pending, ready, failed and why)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.imageStatus(cmd.Context(), args, output)
		},
	}
	status.Flags().StringVarP(&output, "output", "o", formatTable, "table, json or yaml")
	cmd.AddCommand(push, status)
	return cmd
}

func (a *app) imagePush(ctx context.Context, name, file string) error {
	c, err := a.client()
	if err != nil {
		return err
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", file)
	}
	st, err := c.PushImage(ctx, name, f, fi.Size())
	if err != nil {
		return fmt.Errorf("image %s: %w", name, err)
	}
	_, err = fmt.Fprintf(a.env.Stdout, "image %s %s: %d bytes, sha256 %s\n", st.Name, st.Status, st.Size, st.SHA256)
	return err
}

func (a *app) imageStatus(ctx context.Context, args []string, format string) error {
	if err := checkFormat(format); err != nil {
		return err
	}
	c, err := a.client()
	if err != nil {
		return err
	}
	var items []store.ImageStatus
	if len(args) == 1 {
		st, err := c.ImageStatus(ctx, args[0])
		if err != nil {
			return err
		}
		items = []store.ImageStatus{st}
	} else {
		list, err := c.ImageStatuses(ctx)
		if err != nil {
			return err
		}
		items = list.Items
	}
	return printResult(a.env.Stdout, format, items, len(args) == 1, func(w io.Writer, ss []store.ImageStatus) {
		row(w, "NAME", "STATUS", "SIZE", "SHA256", "REASON")
		for _, s := range ss {
			row(w, s.Name, s.Status, strconv.FormatInt(s.Size, 10), short(s.SHA256, 12), orNone(s.Reason))
		}
	})
}

// getImages lists Image objects with the catalogue's status beside each
// (json and yaml output are the objects, as for the other kinds).
func (a *app) getImages(ctx context.Context, c *api.Client, name string, sel map[string]string, format string) error {
	if format != formatTable {
		return a.getObjects(ctx, c, inventory.KindImage, name, sel, format)
	}
	var objs []api.Object
	if name != "" {
		o, err := c.Object(ctx, inventory.KindImage, name)
		if err != nil {
			return err
		}
		objs = []api.Object{o}
	} else {
		list, err := c.Objects(ctx, inventory.KindImage)
		if err != nil {
			return err
		}
		for _, o := range list.Items {
			if matches(o.Labels, sel) {
				objs = append(objs, o)
			}
		}
	}
	if len(objs) == 0 {
		_, err := io.WriteString(a.env.Stderr, "No images found.\n")
		return err
	}
	statuses, err := c.ImageStatuses(ctx)
	if err != nil {
		return err
	}
	byName := map[string]store.ImageStatus{}
	for _, s := range statuses.Items {
		byName[s.Name] = s
	}
	tw := newTable(a.env.Stdout)
	a.imageTable(tw, objs, byName)
	return tw.Flush()
}

func (a *app) imageTable(w io.Writer, objs []api.Object, statuses map[string]store.ImageStatus) {
	now := a.env.Now()
	row(w, "NAME", "FORMAT", "SOURCE", "SHA256", "STATUS", "SIZE", "REVISION", "AGE")
	for _, o := range objs {
		var spec inventory.ImageSpec
		_ = json.Unmarshal(o.Spec, &spec) // show empty cells rather than fail the listing
		src := spec.URL
		if src == "" {
			src = spec.File
		}
		st, size := store.ImagePending, "-"
		if s, ok := statuses[o.Name]; ok {
			st = s.Status
			if s.Status == store.ImageReady {
				size = strconv.FormatInt(s.Size, 10)
			}
		}
		row(w, o.Name, spec.Format, orNone(src), short(spec.SHA256, 12), st, size,
			strconv.FormatInt(o.Revision, 10), age(now, o.CreatedAt))
	}
}
