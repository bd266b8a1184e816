package access_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/vb365-graphql/vb365-graphql/access"
)

// TestRolesCombine: roles parse alone or joined by "," or "+", print in
// one order, and say what they allow; anything else is not a role.
func TestRolesCombine(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		text, printed    string
		act, restore, ok bool
	}{
		{"viewer", "viewer", false, false, true},
		{"operator", "operator", true, false, true},
		{"restore-operator", "restore-operator", false, true, true},
		{"restore-operator,operator", "operator,restore-operator", true, true, true},
		{"operator+restore-operator", "operator,restore-operator", true, true, true},
		{"viewer+restore-operator", "restore-operator", false, true, true},
		{"admin", "", false, false, false},
		{"operator+", "operator", true, false, true},
		{"", "", false, false, false},
	} {
		r, ok := access.ParseRole(c.text)
		if ok != c.ok || ok && (r.String() != c.printed || (access.Caller{Role: r}).MayAct() != c.act || (access.Caller{Role: r}).MayRestore() != c.restore) {
			t.Errorf("%q: %v %v", c.text, r, ok)
		}
	}
	var b bytes.Buffer
	(access.Operator | access.RestoreOperator).MarshalGQL(&b)
	access.RestoreOperator.MarshalGQL(&b)
	access.Viewer.MarshalGQL(&b)
	if b.String() != `"OPERATOR""RESTORE_OPERATOR""VIEWER"` {
		t.Errorf("as the schema's enum: %s", b.String())
	}
	keys, err := access.ParseKeys([]string{"k3y-a operator,restore-operator helpdesk", "k3y-b restore-operator portal"})
	if err != nil || keys.Len() != 2 {
		t.Fatalf("%v", err)
	}
}

// TestPassThroughCallersHaveEveryRole: in pass-through mode the VB365
// server decides with its own access control, so the gateway refuses a
// caller nothing.
func TestPassThroughCallersHaveEveryRole(t *testing.T) {
	t.Parallel()
	c, err := (&access.Gate{PassThrough: true}).Identify(context.Background(), "", "Bearer some-vb365-token")
	if err != nil || !c.MayAct() || !c.MayRestore() || c.Via != access.ViaPassThrough {
		t.Errorf("%+v %v", c, err)
	}
}
