package fleet

import (
	"context"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	bootstraputil "k8s.io/cluster-bootstrap/token/util"

	"github.com/slipway-dev/slipway/internal/kube"
	"github.com/slipway-dev/slipway/internal/machine"
)

// observation is what one reconcile saw of, and did to, a running cluster.
type observation struct {
	probed bool // the API was tried (a control-plane machine phoned home)
	ready  bool
	apiErr string
	nodes  map[string]nodeInfo
	rbac   bool
	// tokens are the workers' token states after this reconcile's writes.
	tokens map[string]tokenState
	// revoked are replaced tokens deleted from the cluster.
	revoked []string
}

type nodeInfo struct {
	ready   bool
	version string
}

// upStates are the machine states in which the installed OS has phoned
// home: its node may be running.
var upStates = []string{string(machine.Joining), string(machine.Active)}

// onTheWay are the states of a machine that will still join: its
// bootstrap token must stay valid.
var onTheWay = []string{string(machine.Provisioning), string(machine.Provisioned), string(machine.Booting), string(machine.Joining)}

// observe probes the cluster's API once a control-plane machine is up, and
// then does what only the running cluster can: bootstrap RBAC, tokens.
func (c *Controller) observe(ctx context.Context, v *view) observation {
	obs := observation{nodes: map[string]nodeInfo{}, rbac: v.rec.st.RBAC}
	if v.refused != nil || !v.controlPlaneUp() {
		return obs
	}
	obs.probed = true
	cs, err := c.client(v)
	if err == nil {
		err = readyz(ctx, cs)
	}
	if err != nil {
		obs.apiErr = err.Error()
		return obs
	}
	obs.ready = true
	if !obs.rbac {
		if err := applyRBAC(ctx, cs); err != nil {
			obs.apiErr = "bootstrap RBAC: " + err.Error()
			return obs
		}
		obs.rbac = true
	}
	if err := obs.readNodes(ctx, cs); err != nil {
		obs.apiErr, obs.ready = "list nodes: "+err.Error(), false
		return obs
	}
	obs.tokens, obs.revoked = c.syncTokens(ctx, cs, v, obs.nodes)
	c.approveServing(ctx, cs, v.cluster)
	return obs
}

func (v *view) controlPlaneUp() bool {
	for _, m := range v.members {
		if m.Role == kube.RoleControlPlane && slices.Contains(upStates, m.State) {
			return true
		}
	}
	return !v.rec.status.Heartbeat.IsZero()
}

func readyz(ctx context.Context, cs kubernetes.Interface) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	body, err := cs.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
	if err != nil {
		if line := firstLine(body); line != "" {
			return fmt.Errorf("/readyz: %w (%s)", err, line)
		}
		return fmt.Errorf("/readyz: %w", err)
	}
	return nil
}

func firstLine(b []byte) string {
	for i, c := range b {
		if c == '\n' {
			return string(b[:i])
		}
	}
	return string(b)
}

func applyRBAC(ctx context.Context, cs kubernetes.Interface) error {
	for _, b := range append(kube.BootstrapRBAC(), kube.FleetRBAC()) {
		_, err := cs.RbacV1().ClusterRoleBindings().Create(ctx, b, metav1.CreateOptions{FieldManager: fieldManager})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("%s: %w", b.Name, err)
		}
	}
	return nil
}

func (obs *observation) readNodes(ctx context.Context, cs kubernetes.Interface) error {
	list, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{ResourceVersion: "0"})
	if err != nil {
		return err
	}
	for _, n := range list.Items {
		info := nodeInfo{version: n.Status.NodeInfo.KubeletVersion}
		for _, cond := range n.Status.Conditions {
			if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
				info.ready = true
			}
		}
		obs.nodes[n.Name] = info
	}
	return nil
}

// syncTokens publishes (and refreshes) the bootstrap token of every worker
// still on its way, and deletes the tokens of workers that joined, of
// workers no longer on their way, and replaced ones.
func (c *Controller) syncTokens(ctx context.Context, cs kubernetes.Interface, v *view, nodes map[string]nodeInfo) (map[string]tokenState, []string) {
	out := map[string]tokenState{}
	now := c.now()
	secrets := cs.CoreV1().Secrets(metav1.NamespaceSystem)
	for worker, ts := range v.rec.st.Tokens {
		if ts.Revoked {
			continue
		}
		state := v.memberState(worker)
		switch {
		case nodes[worker].ready || !slices.Contains(onTheWay, state):
			err := secrets.Delete(ctx, bootstraputil.BootstrapTokenSecretName(ts.ID), metav1.DeleteOptions{})
			if err == nil || apierrors.IsNotFound(err) {
				ts.Revoked = true
				out[worker] = ts
			}
		case !ts.Published || ts.Expires.Sub(now) < c.cfg.TokenTTL/2:
			t := kube.BootstrapToken{ID: ts.ID, Secret: v.rec.sec.Tokens[worker], Expires: now.Add(c.cfg.TokenTTL).UTC().Truncate(time.Second),
				Description: "slipway: kubelet TLS bootstrap of " + worker}
			if err := putSecret(ctx, cs, t.SecretObject()); err != nil {
				c.log.Warn("bootstrap token", "cluster", v.name, "worker", worker, "err", err)
				continue
			}
			ts.Published, ts.Expires = true, t.Expires
			out[worker] = ts
		}
	}
	var revoked []string
	for _, id := range v.rec.st.Revoke {
		err := secrets.Delete(ctx, bootstraputil.BootstrapTokenSecretName(id), metav1.DeleteOptions{})
		if err == nil || apierrors.IsNotFound(err) {
			revoked = append(revoked, id)
		}
	}
	return out, revoked
}

// putSecret creates s or replaces its data.
func putSecret(ctx context.Context, cs kubernetes.Interface, s *corev1.Secret) error {
	api := cs.CoreV1().Secrets(s.Namespace)
	_, err := api.Create(ctx, s, metav1.CreateOptions{FieldManager: fieldManager})
	if !apierrors.IsAlreadyExists(err) {
		return err
	}
	cur, err := api.Get(ctx, s.Name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	cur.Data, cur.Type = s.Data, s.Type
	_, err = api.Update(ctx, cur, metav1.UpdateOptions{FieldManager: fieldManager})
	return err
}

// fieldManager names the appliance in the clusters' managed fields.
const fieldManager = "slipway"
