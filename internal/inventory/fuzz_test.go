package inventory

import (
	"testing"
)

// FuzzDecodeValidate drives the decoder, the validator and the planner with
// arbitrary bytes: none may panic, every error must say something, and an
// inventory that validates must plan to nothing once stored (the stored
// form is faithful). Seeds: testdata/fuzz/FuzzDecodeValidate/ and the
// inventories the other tests use.
func FuzzDecodeValidate(f *testing.F) {
	f.Add([]byte(siteYAML))
	f.Add([]byte(machineDoc))
	for _, file := range rackFiles(3) {
		f.Add([]byte(file.Content))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		objs, err := Decode("fuzz.yaml", data)
		if err != nil {
			l, ok := AsErrorList(err)
			if !ok || len(l) == 0 {
				t.Fatalf("Decode error is not a non-empty ErrorList: %v", err)
			}
			checkMessages(t, l)
			return
		}
		errs := Validate(objs, nil)
		checkMessages(t, errs)
		plan, err := ComputePlan(objs, nil, false)
		if err != nil {
			if _, ok := AsErrorList(err); !ok || len(errs) == 0 {
				t.Fatalf("ComputePlan failed on input Validate accepted: %v", err)
			}
			return
		}
		_ = plan.Summary()
		if len(errs) > 0 {
			return
		}
		live := make([]Object, 0, len(objs))
		for _, o := range objs {
			so, err := ToStored(o)
			if err != nil {
				t.Fatalf("ToStored %s: %v", o.Key(), err)
			}
			back, err := FromStored(so)
			if err != nil {
				t.Fatalf("FromStored %s: %v", o.Key(), err)
			}
			live = append(live, back)
		}
		again, err := ComputePlan(objs, live, true)
		if err != nil {
			t.Fatalf("plan against the stored form: %v", err)
		}
		if !again.Empty() {
			t.Fatalf("stored form differs from the declared one:\n%s", again.Changes[0].Diff)
		}
	})
}

func checkMessages(t *testing.T, l ErrorList) {
	t.Helper()
	for _, e := range l {
		if e.Message == "" {
			t.Fatalf("error without a message: %#v", e)
		}
	}
}
