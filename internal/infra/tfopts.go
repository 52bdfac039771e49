package infra

import "github.com/hashicorp/terraform-exec/tfexec"

func tfOut(path string) []tfexec.PlanOption {
	return []tfexec.PlanOption{tfexec.Out(path), tfexec.Lock(true)}
}

func tfDirOrPlan(path string) tfexec.ApplyOption { return tfexec.DirOrPlan(path) }
