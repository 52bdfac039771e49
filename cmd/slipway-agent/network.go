package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4/nclient4"
	// netlink: vishvananda/netlink v1.3.1 is pure Go (no cgo), small, and
	// the library most Go network tools use for links, addresses and routes;
	// raw rtnetlink messages would be more code to get right for no gain.
	"github.com/vishvananda/netlink"
)

// linkWait bounds the wait for the boot NIC to appear (its driver module
// may still be probing) and dhcpWait the wait for a lease.
const (
	linkWait = 2 * time.Minute
	dhcpWait = 5 * time.Minute
)

// configureNetwork brings up lo and the NIC whose MAC is mac, gets an
// address with DHCP and sets it and the default route.
func configureNetwork(ctx context.Context, log *slog.Logger, mac net.HardwareAddr) error {
	if lo, err := netlink.LinkByName("lo"); err == nil {
		_ = netlink.LinkSetUp(lo)
	}
	link, err := waitLink(ctx, mac)
	if err != nil {
		return err
	}
	name := link.Attrs().Name
	if err := netlink.LinkSetUp(link); err != nil {
		return fmt.Errorf("network: %s up: %w", name, err)
	}
	log.Info("network: link up; asking DHCP", "nic", name, "mac", mac)
	lease, err := dhcpLease(ctx, name)
	if err != nil {
		return err
	}
	ack := lease.ACK
	ipnet := &net.IPNet{IP: ack.YourIPAddr, Mask: ack.SubnetMask()}
	if err := netlink.AddrReplace(link, &netlink.Addr{IPNet: ipnet}); err != nil {
		return fmt.Errorf("network: %s address %s: %w", name, ipnet, err)
	}
	if gws := ack.Router(); len(gws) > 0 {
		route := &netlink.Route{LinkIndex: link.Attrs().Index, Gw: gws[0]}
		if err := netlink.RouteReplace(route); err != nil {
			return fmt.Errorf("network: default route via %s: %w", gws[0], err)
		}
	}
	log.Info("network: configured", "nic", name, "address", ipnet, "gateway", ack.Router(), "server", ack.ServerIPAddr)
	return nil
}

// waitLink polls until a link with mac exists.
func waitLink(ctx context.Context, mac net.HardwareAddr) (netlink.Link, error) {
	deadline := time.Now().Add(linkWait)
	for {
		links, err := netlink.LinkList()
		if err != nil {
			return nil, fmt.Errorf("network: list links: %w", err)
		}
		for _, l := range links {
			if bytes.Equal(l.Attrs().HardwareAddr, mac) {
				return l, nil
			}
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("network: no NIC with MAC %s after %s (driver module missing?)", mac, linkWait)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// dhcpLease runs DHCP on the interface until a lease arrives.
func dhcpLease(ctx context.Context, ifname string) (*nclient4.Lease, error) {
	ctx, cancel := context.WithTimeout(ctx, dhcpWait)
	defer cancel()
	for {
		c, err := nclient4.New(ifname, nclient4.WithTimeout(4*time.Second), nclient4.WithRetry(2))
		if err != nil {
			return nil, fmt.Errorf("network: dhcp on %s: %w", ifname, err)
		}
		lease, err := c.Request(ctx)
		c.Close()
		if err == nil {
			return lease, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("network: dhcp on %s: no lease: %w", ifname, err)
		}
	}
}
