// Command pause is the pod sandbox's process, in the image Slipway builds
// locally as registry.k8s.io/pause (no registry is reachable at the edge):
// it sleeps until SIGINT or SIGTERM and, as PID 1 of a pod sharing its PID
// namespace, reaps orphaned children. Kubernetes' own pause does the same in C.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	sig := make(chan os.Signal, 8)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for s := range sig {
		if s != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			var status syscall.WaitStatus
			pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
