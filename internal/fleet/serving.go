package fleet

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"slices"
	"strings"

	certv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/slipway-dev/slipway/internal/kube"
)

// approveServing approves the kubelet serving certificate requests
// (serverTLSBootstrap) of the cluster's own nodes when they name only that
// node: its Node name as DNS name and its declared address as IP. No
// Kubernetes controller approves these; one that asks for anything else
// is left pending (and said so in the log).
func (c *Controller) approveServing(ctx context.Context, cs kubernetes.Interface, kc kube.Cluster) {
	api := cs.CertificatesV1().CertificateSigningRequests()
	list, err := api.List(ctx, metav1.ListOptions{FieldSelector: "spec.signerName=" + certv1.KubeletServingSignerName})
	if err != nil {
		c.log.Warn("kubelet serving CSRs", "cluster", kc.Name, "err", err)
		return
	}
	for i := range list.Items {
		csr := &list.Items[i]
		if decided(csr) {
			continue
		}
		if err := servingRequestOK(csr, kc); err != nil {
			c.log.Warn("kubelet serving CSR left pending", "cluster", kc.Name, "csr", csr.Name, "why", err)
			continue
		}
		csr.Status.Conditions = append(csr.Status.Conditions, certv1.CertificateSigningRequestCondition{
			Type: certv1.CertificateApproved, Status: corev1.ConditionTrue, Reason: "SlipwayApproved",
			Message: "the node's declared name and address"})
		if _, err := api.UpdateApproval(ctx, csr.Name, csr, metav1.UpdateOptions{FieldManager: fieldManager}); err != nil {
			c.log.Warn("approve kubelet serving CSR", "cluster", kc.Name, "csr", csr.Name, "err", err)
		}
	}
}

func decided(csr *certv1.CertificateSigningRequest) bool {
	for _, cond := range csr.Status.Conditions {
		if cond.Type == certv1.CertificateApproved || cond.Type == certv1.CertificateDenied || cond.Type == certv1.CertificateFailed {
			return true
		}
	}
	return false
}

// servingRequestOK checks that a kubelet serving CSR comes from a declared
// node and names only that node.
func servingRequestOK(csr *certv1.CertificateSigningRequest, kc kube.Cluster) error {
	name, ok := strings.CutPrefix(csr.Spec.Username, "system:node:")
	if !ok {
		return fmt.Errorf("requested by %q, not a node", csr.Spec.Username)
	}
	n, err := kc.Node(name)
	if err != nil {
		return err
	}
	block, _ := pem.Decode(csr.Spec.Request)
	if block == nil {
		return fmt.Errorf("no PEM request")
	}
	req, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		return err
	}
	if req.Subject.CommonName != csr.Spec.Username {
		return fmt.Errorf("subject %q is not the requester", req.Subject.CommonName)
	}
	for _, d := range req.DNSNames {
		if d != name {
			return fmt.Errorf("names DNS %q, not the node", d)
		}
	}
	for _, ip := range req.IPAddresses {
		if ip.String() != n.IP.String() {
			return fmt.Errorf("names IP %s, not the node's %s", ip, n.IP)
		}
	}
	if len(req.EmailAddresses) > 0 || len(req.URIs) > 0 {
		return fmt.Errorf("names e-mail addresses or URIs")
	}
	for _, u := range csr.Spec.Usages {
		if !slices.Contains([]certv1.KeyUsage{certv1.UsageDigitalSignature, certv1.UsageKeyEncipherment, certv1.UsageServerAuth}, u) {
			return fmt.Errorf("asks for usage %q", u)
		}
	}
	return nil
}
