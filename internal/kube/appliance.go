package kube

import (
	"fmt"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
)

// Identities the appliance issues for itself and for fleet managers.
const (
	// ApplianceUser is the appliance's own user on every cluster, in
	// system:masters: it creates the bootstrap RBAC before any binding
	// exists. Its certificate lives only in the appliance's memory.
	ApplianceUser = "slipway-appliance"
	// FleetManagersGroup is bound to cluster-admin (FleetRBAC); fleet
	// managers' registrations carry a certificate in it.
	FleetManagersGroup = "slipway:fleet-managers"
	// ProbeImage is the smoke-test image the node image preloads
	// (images/kube/probe): `probe serve` and `probe get URL`.
	ProbeImage = "slipway.dev/probe:v1"
)

// ApplianceKubeconfig issues the appliance's kubeconfig for cluster c,
// valid for ttl from now.
func (p *ClusterPKI) ApplianceKubeconfig(c Cluster, ttl time.Duration, now time.Time) ([]byte, error) {
	if ttl <= 0 || ttl > CertValidity {
		return nil, fmt.Errorf("appliance kubeconfig: ttl %v: want between 0 and %v", ttl, CertValidity)
	}
	spec := certSpec{cn: ApplianceUser, orgs: []string{groupMasters}, usages: clientAuth, validity: ttl}
	data, err := p.clientKubeconfig(c.Name, c.Endpoint, spec, now)
	if err != nil {
		return nil, fmt.Errorf("appliance kubeconfig: %w", err)
	}
	return data, nil
}

// FleetClient issues the client certificate and key (PEM) a fleet manager
// authenticates to the cluster with: user slipway-fleet:FLEET in
// FleetManagersGroup, valid for ttl (at most CertValidity).
func (p *ClusterPKI) FleetClient(fleet string, ttl time.Duration, now time.Time) (cert, key []byte, err error) {
	if !labelRE.MatchString(fleet) {
		return nil, nil, fmt.Errorf("fleet client: fleet %q: want a DNS label", fleet)
	}
	if ttl <= 0 || ttl > CertValidity {
		return nil, nil, fmt.Errorf("fleet client: ttl %v: want between 0 and %v", ttl, CertValidity)
	}
	spec := certSpec{cn: "slipway-fleet:" + fleet, orgs: []string{FleetManagersGroup}, usages: clientAuth, validity: ttl}
	c, k, err := p.CA.issue(spec, now)
	if err != nil {
		return nil, nil, fmt.Errorf("fleet client %s: %w", fleet, err)
	}
	kp, err := keyPEM(k)
	if err != nil {
		return nil, nil, err
	}
	return certPEM(c), kp, nil
}

// CACert is the cluster CA's certificate (PEM): what clients trust.
func (p *ClusterPKI) CACert() []byte { return certPEM(p.CA.Cert) }

// FleetRBAC binds FleetManagersGroup to cluster-admin (applied with
// BootstrapRBAC when the cluster first answers).
func FleetRBAC() *rbacv1.ClusterRoleBinding {
	return binding(FleetManagersGroup, "cluster-admin", rbacv1.GroupKind, FleetManagersGroup)
}
