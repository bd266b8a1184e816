package access

import (
	"context"
	"strings"
	"testing"
)

// TestKeyNamesAreUniqueAndErrorsQuoteNoKey: two keys of one name would share
// an audit identity (and, before, idempotent results), so they are refused at
// start; and no error quotes what an entry holds, since a mistyped entry
// ("K1 K2" for "K1,K2") has a key where its role should be.
func TestKeyNamesAreUniqueAndErrorsQuoteNoKey(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		entries []string
		says    string
	}{
		{[]string{"k3y-one viewer wallboard", "k3y-two operator wallboard"}, "entries 1 and 2 have the same name"},
		{[]string{"k3y-one viewer k3y-three", "k3y-two viewer k3y-three"}, "entries 1 and 2 have the same name"},
		{[]string{"k3y-one viewer", "k3y-one operator ops"}, "entries 1 and 2 have the same key"},
		{[]string{"k3y-one k3y-two"}, "its second field is not a role"},
		{[]string{"k3y-one operator+owner"}, "its second field is not a role"},
		{[]string{"k3y-one viewer name k3y-two"}, "has 4 fields"},
	} {
		_, err := ParseKeys(c.entries)
		if err == nil || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%q: %v, want an error saying %q", c.entries, err, c.says)
			continue
		}
		if strings.Contains(err.Error(), "k3y-") {
			t.Errorf("%q: the error quotes a key: %v", c.entries, err)
		}
	}
}

// TestCallersAreToldApartByTheirWholeDigest: what must not be shared
// between callers (idempotent results, subscription caps) is keyed by an id
// that two callers cannot share: a key's whole digest, a pass-through
// token's whole digest (its display name holds 4 bytes of it).
func TestCallersAreToldApartByTheirWholeDigest(t *testing.T) {
	t.Parallel()
	keys, err := ParseKeys([]string{"k3y-one viewer a", "k3y-two viewer b"})
	if err != nil {
		t.Fatal(err)
	}
	one, _ := keys.Find("k3y-one")
	two, _ := keys.Find("k3y-two")
	if one.ID == two.ID || len(one.ID) != len("api-key:")+64 || strings.Contains(one.ID, "k3y") {
		t.Errorf("key ids %q and %q: want each key's whole digest", one.ID, two.ID)
	}
	g := &Gate{PassThrough: true}
	a, _ := g.Identify(context.Background(), "", "Bearer token-a")
	b, _ := g.Identify(context.Background(), "", "Bearer token-b")
	if a.ID == b.ID || len(a.ID) != len("token:")+64 || len(a.Name) != len("token-")+8 {
		t.Errorf("pass-through callers %+v and %+v: want the whole digest as id, 4 bytes of it as name", a, b)
	}
}
