package kubeapi

import (
	"context"
	"fmt"
	"time"

	"github.com/slipway-dev/slipway/internal/kube"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The command lines follow internal/kube's rendered units
// (templates/*.service.tmpl) with loopback addresses, random ports and
// paths under Dir.

func (s *Server) etcdArgs(client, peer int) []string {
	pki := s.path(kube.PKIDir + "/etcd")
	clientURL := fmt.Sprintf("https://127.0.0.1:%d", client)
	peerURL := fmt.Sprintf("https://127.0.0.1:%d", peer)
	return []string{
		"--name=" + localNode,
		"--data-dir=" + s.path("/var/lib/etcd"),
		"--listen-client-urls=" + clientURL,
		"--advertise-client-urls=" + clientURL,
		"--listen-peer-urls=" + peerURL,
		"--initial-advertise-peer-urls=" + peerURL,
		"--initial-cluster=" + localNode + "=" + peerURL,
		"--initial-cluster-state=new",
		"--initial-cluster-token=kubeapi",
		"--client-cert-auth=true",
		"--trusted-ca-file=" + pki + "/ca.crt",
		"--cert-file=" + pki + "/server.crt",
		"--key-file=" + pki + "/server.key",
		"--peer-client-cert-auth=true",
		"--peer-trusted-ca-file=" + pki + "/ca.crt",
		"--peer-cert-file=" + pki + "/peer.crt",
		"--peer-key-file=" + pki + "/peer.key",
	}
}

func (s *Server) apiserverArgs(etcdPort, port int) []string {
	pki := s.path(kube.PKIDir)
	return []string{
		"--advertise-address=127.0.0.1",
		// The endpoint reconciler refuses a loopback address: no kubernetes
		// Service endpoints (nothing in-cluster calls this API).
		"--endpoint-reconciler-type=none",
		"--bind-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", port),
		"--cert-dir=" + s.path("/var/run/kubernetes"),
		"--allow-privileged=true",
		"--authorization-mode=Node,RBAC",
		"--enable-admission-plugins=NodeRestriction",
		"--enable-bootstrap-token-auth=true",
		"--client-ca-file=" + pki + "/ca.crt",
		"--tls-cert-file=" + pki + "/apiserver.crt",
		"--tls-private-key-file=" + pki + "/apiserver.key",
		fmt.Sprintf("--etcd-servers=https://127.0.0.1:%d", etcdPort),
		"--etcd-cafile=" + pki + "/etcd/ca.crt",
		"--etcd-certfile=" + pki + "/apiserver-etcd-client.crt",
		"--etcd-keyfile=" + pki + "/apiserver-etcd-client.key",
		"--kubelet-client-certificate=" + pki + "/apiserver-kubelet-client.crt",
		"--kubelet-client-key=" + pki + "/apiserver-kubelet-client.key",
		"--proxy-client-cert-file=" + pki + "/front-proxy-client.crt",
		"--proxy-client-key-file=" + pki + "/front-proxy-client.key",
		"--requestheader-client-ca-file=" + pki + "/front-proxy-ca.crt",
		"--requestheader-allowed-names=front-proxy-client",
		"--requestheader-extra-headers-prefix=X-Remote-Extra-",
		"--requestheader-group-headers=X-Remote-Group",
		"--requestheader-username-headers=X-Remote-User",
		"--service-account-issuer=https://kubernetes.default.svc." + s.cluster.DNSDomain,
		"--service-account-key-file=" + pki + "/sa.pub",
		"--service-account-signing-key-file=" + pki + "/sa.key",
		"--service-cluster-ip-range=" + s.cluster.ServiceCIDR.String(),
	}
}

func (s *Server) controllerManagerArgs(port int) []string {
	pki := s.path(kube.PKIDir)
	conf := s.path(kube.KubeDir + "/controller-manager.conf")
	return []string{
		"--kubeconfig=" + conf,
		"--authentication-kubeconfig=" + conf,
		"--authorization-kubeconfig=" + conf,
		"--bind-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", port),
		"--cert-dir=" + s.path("/var/lib/kube-controller-manager"),
		"--cluster-name=" + s.cluster.Name,
		"--client-ca-file=" + pki + "/ca.crt",
		"--requestheader-client-ca-file=" + pki + "/front-proxy-ca.crt",
		"--root-ca-file=" + pki + "/ca.crt",
		"--cluster-signing-cert-file=" + pki + "/ca.crt",
		"--cluster-signing-key-file=" + pki + "/ca.key",
		"--service-account-private-key-file=" + pki + "/sa.key",
		"--service-cluster-ip-range=" + s.cluster.ServiceCIDR.String(),
		"--controllers=*,bootstrapsigner,tokencleaner",
		"--allocate-node-cidrs=false",
		"--use-service-account-credentials=true",
		"--leader-elect=false",
	}
}

// startControllerManager runs kube-controller-manager and waits until its
// service-account controller has created default/default.
func (s *Server) startControllerManager(ctx context.Context, bin string, port int) {
	s.t.Helper()
	start := time.Now()
	s.procs = append(s.procs, startProcess(s.t, s.Dir, "kube-controller-manager", bin, s.controllerManagerArgs(port)...))
	s.waitFor(ctx, "kube-controller-manager (ServiceAccount default/default)", func(ctx context.Context) error {
		_, err := s.client.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return fmt.Errorf("not yet created")
		}
		return err
	})
	s.t.Logf("kubeapi: kube-controller-manager running in %.1fs", time.Since(start).Seconds())
}

// ready asks /readyz.
func (s *Server) ready(ctx context.Context) error {
	body, err := s.client.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
	if err != nil {
		return err
	}
	if string(body) != "ok" {
		return fmt.Errorf("readyz: %q", body)
	}
	return nil
}

// waitFor polls cond until it returns nil; it fails the test (with the
// logs' tails) when ctx ends or one of the processes exits.
func (s *Server) waitFor(ctx context.Context, what string, cond func(context.Context) error) {
	s.t.Helper()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		err := cond(ctx)
		if err == nil {
			return
		}
		for _, p := range s.procs {
			if exited, why := p.exited(); exited {
				s.logTails()
				s.t.Fatalf("kubeapi: waiting for %s: %s exited: %v", what, p.name, why)
			}
		}
		select {
		case <-ctx.Done():
			s.logTails()
			s.t.Fatalf("kubeapi: %s not ready: %v (last error: %v)", what, ctx.Err(), err)
		case <-tick.C:
		}
	}
}
