package fleet

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	"k8s.io/client-go/kubernetes"
)

// exportApplyOptions: Slipway owns the fields it applies and takes them
// back from whoever edited them by hand.
var exportApplyOptions = metav1.ApplyOptions{FieldManager: ManagedBy, Force: true}

// exportApplySecret creates the Secret's namespace when it is missing, then
// applies the Secret. A Secret of that name not labelled as Slipway's is
// left alone (an error): it belongs to someone else.
func exportApplySecret(ctx context.Context, c kubernetes.Interface, s *corev1ac.SecretApplyConfiguration) error {
	ns, name := *s.Namespace, *s.Name
	if err := exportEnsureNamespace(ctx, c, ns); err != nil {
		return err
	}
	if _, err := exportOwnedSecret(ctx, c, ns, name); err != nil {
		return err
	}
	if _, err := c.CoreV1().Secrets(ns).Apply(ctx, s, exportApplyOptions); err != nil {
		return fmt.Errorf("apply secret %s/%s: %w", ns, name, err)
	}
	return nil
}

// exportEnsureNamespace applies ns only when it does not exist, so that an
// existing namespace needs no patch permission and gains no field owner.
func exportEnsureNamespace(ctx context.Context, c kubernetes.Interface, ns string) error {
	_, err := c.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	if err == nil {
		return nil
	}
	if !apierrors.IsNotFound(err) {
		return fmt.Errorf("namespace %s: %w", ns, err)
	}
	if _, err := c.CoreV1().Namespaces().Apply(ctx, corev1ac.Namespace(ns), exportApplyOptions); err != nil {
		return fmt.Errorf("create namespace %s: %w", ns, err)
	}
	return nil
}

// exportOwnedSecret returns the Secret if it exists and is Slipway's, nil
// if it does not exist, and an error if it exists and is not Slipway's.
func exportOwnedSecret(ctx context.Context, c kubernetes.Interface, ns, name string) (*corev1.Secret, error) {
	s, err := c.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("secret %s/%s: %w", ns, name, err)
	}
	if s.Labels[LabelManagedBy] != ManagedBy {
		return nil, fmt.Errorf("secret %s/%s exists and is not managed by %s (label %s=%q)",
			ns, name, ManagedBy, LabelManagedBy, s.Labels[LabelManagedBy])
	}
	return s, nil
}

// exportRemoveSecret deletes the Secret if it is Slipway's; a missing one
// is fine. The delete is preconditioned on the UID that was checked.
func exportRemoveSecret(ctx context.Context, c kubernetes.Interface, ns, name string) error {
	s, err := exportOwnedSecret(ctx, c, ns, name)
	if err != nil || s == nil {
		return err
	}
	err = c.CoreV1().Secrets(ns).Delete(ctx, name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &s.UID}})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete secret %s/%s: %w", ns, name, err)
	}
	return nil
}
