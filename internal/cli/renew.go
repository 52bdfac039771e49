package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
)

func (a *app) renewCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "renew cluster NAME",
		Short: "Renew the certificates of every node of a cluster (operator; audited)",
		Long: "Renew the certificates and kubeconfigs of every node of a cluster. Each node's slipway-renew " +
			"service fetches its new set on its next check (hourly and at boot) and restarts the components " +
			"that use it; each renewal is a cluster.cert-renewed event on the machine's timeline. Nodes also " +
			"renew by themselves once their certificates are within 30 days of expiry.",
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if args[0] != "cluster" && args[0] != "clusters" {
				return fmt.Errorf("renew: %q: only clusters have certificates to renew", args[0])
			}
			return a.renew(cmd.Context(), args[1])
		},
	}
}

func (a *app) renew(ctx context.Context, name string) error {
	c, err := a.client()
	if err != nil {
		return err
	}
	res, err := c.RenewCluster(ctx, name)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(a.env.Stdout, "renewal of cluster %s requested at %s: each node fetches its new certificates "+
		"within the hour (watch: slipway events -f)\n", res.Cluster, timestamp(res.RequestedAt))
	return err
}
