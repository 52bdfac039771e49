package kube

import (
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// BootstrapRBAC is what kubeadm's bootstrap-token phase binds, for the
// appliance to create (with super-admin.conf) once the API answers:
//   - kubeadm:cluster-admins: admin.conf's group → cluster-admin;
//   - kubeadm:kubelet-bootstrap: bootstrap tokens may post CSRs;
//   - kubeadm:node-autoapprove-bootstrap: their node-client CSRs are approved;
//   - kubeadm:node-autoapprove-certificate-rotation: nodes renew themselves;
//   - kubeadm:apiserver-kubelet-client: the apiserver may use kubelets' API.
//
// (kube-proxy's user is bound by the default policy: system:node-proxier.)
// Kubelet serving CSRs (serverTLSBootstrap) are not auto-approved by any
// controller: the appliance approves those after checking the node's names.
func BootstrapRBAC() []*rbacv1.ClusterRoleBinding {
	return []*rbacv1.ClusterRoleBinding{
		binding("kubeadm:cluster-admins", "cluster-admin", rbacv1.GroupKind, groupClusterAdmins),
		binding("kubeadm:kubelet-bootstrap", "system:node-bootstrapper", rbacv1.GroupKind, NodeBootstrapGroup),
		binding("kubeadm:node-autoapprove-bootstrap", "system:certificates.k8s.io:certificatesigningrequests:nodeclient",
			rbacv1.GroupKind, NodeBootstrapGroup),
		binding("kubeadm:node-autoapprove-certificate-rotation", "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient",
			rbacv1.GroupKind, groupNodes),
		binding("kubeadm:apiserver-kubelet-client", "system:kubelet-api-admin", rbacv1.UserKind, apiserverKubeletCN),
	}
}

func binding(name, role, kind, subject string) *rbacv1.ClusterRoleBinding {
	s := rbacv1.Subject{Kind: kind, Name: subject}
	if kind != rbacv1.ServiceAccountKind {
		s.APIGroup = rbacv1.GroupName
	}
	return &rbacv1.ClusterRoleBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRoleBinding"},
		ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role},
		Subjects:   []rbacv1.Subject{s},
	}
}
