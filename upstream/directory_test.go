package upstream_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
	"github.com/vb365-graphql/vb365-graphql/upstream"
)

// TestProtectionIsTheLatestOverEveryRepository: what of a user is
// protected is read from every repository's data, 1 + (number of
// repositories) calls for the whole organization, and each part is the
// latest any repository holds.
func TestProtectionIsTheLatestOverEveryRepository(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, v := range []int{3, 6, 7, 8} {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			sim, c := newPair(t, v, nil)
			org := sim.OrganizationIDs()[0]
			s := none(c)
			got, err := c.Protections(ctx, s, org, upstream.ObjectUser)
			if err != nil {
				t.Fatal(err)
			}
			if calls, want := sim.DataCalls(), 1+len(sim.RepositoryIDs()); calls != want {
				t.Errorf("%d calls (%v), want %d", calls, sim.Calls(), want)
			}
			users := sim.DirectoryIDs(org, "User")
			protected := 0
			for _, id := range users {
				if p := got[id]; p != nil && p.Protected() {
					protected++
				}
			}
			if len(users) != 60 || protected != 48 {
				t.Errorf("%d users, %d protected; want 60 and 48", len(users), protected)
			}
			// Each part against the repositories' own answers, read here.
			for _, repo := range sim.RepositoryIDs() {
				page, err := c.UserData(ctx, s, repo, upstream.PageRequest{Limit: 1000})
				if err != nil {
					t.Fatal(err)
				}
				for _, d := range page.Items {
					if d.OrganizationID != nil && *d.OrganizationID != org {
						continue
					}
					p := got[d.AccountID]
					if p == nil || !slices.Contains(p.RepositoryIDs, repo) {
						t.Fatalf("user %s is held by %s: %+v", d.AccountID, repo, p)
					}
					if d.Mailbox.Last != nil && p.Mailbox.Last.Before(*d.Mailbox.Last) {
						t.Errorf("user %s: mailbox %v, but %s holds %v", d.AccountID, p.Mailbox.Last, repo, d.Mailbox.Last)
					}
				}
			}
			// Again within the scope: nothing more is asked.
			sim.ResetCalls()
			if _, err := c.Protections(ctx, s, org, upstream.ObjectUser); err != nil || sim.DataCalls() != 0 {
				t.Errorf("asked again: %v, %d calls", err, sim.DataCalls())
			}
		})
	}
}

// TestDirectoryFiltersAnswerTheSameOnEveryVersion: where the version cannot
// filter, the client does, over the whole listing, with the same result.
func TestDirectoryFiltersAnswerTheSameOnEveryVersion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	hybrid := upstream.InHybrid
	filters := []struct {
		kind upstream.ObjectType
		f    upstream.DirectoryFilter
	}{
		{upstream.ObjectUser, upstream.DirectoryFilter{Name: "USER1"}},
		{upstream.ObjectUser, upstream.DirectoryFilter{DisplayName: "shared"}},
		{upstream.ObjectUser, upstream.DirectoryFilter{Location: &hybrid}},
		{upstream.ObjectGroup, upstream.DirectoryFilter{Name: "fin"}},
		{upstream.ObjectSite, upstream.DirectoryFilter{DisplayName: "report"}},
		{upstream.ObjectTeam, upstream.DirectoryFilter{DisplayName: "ing"}},
	}
	answers := map[int][]string{}
	for _, v := range []int{3, 5, 6, 7, 8} {
		sim, c := newPair(t, v, nil)
		for i, org := range sim.OrganizationIDs()[:2] {
			for j, f := range filters {
				page, err := c.Directory(ctx, none(c), org, f.kind, f.f, upstream.PageRequest{Limit: 2})
				if err != nil {
					t.Fatalf("v%d %+v: %v", v, f, err)
				}
				var ids []string
				for _, o := range page.Items {
					ids = append(ids, o.DisplayName)
				}
				key := i*len(filters) + j
				answer := fmt.Sprintf("%v more %v", ids, page.HasMore)
				if v == 3 {
					answers[key] = []string{answer}
					if len(ids) == 0 && i == 1-boolInt(f.f.Location == nil) {
						t.Errorf("%+v keeps nothing", f.f)
					}
				} else if answers[key][0] != answer {
					t.Errorf("v%d %+v: %s; v3: %s", v, f.f, answer, answers[key][0])
				}
			}
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestDirectoryPagesCarryTheirSet: from v6 a directory listing names its
// result set, and the next page asks for that set.
func TestDirectoryPagesCarryTheirSet(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var asked []string
	env := testenv.New(t, testenv.Options{Version: 8, Wrap: func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/Users") {
				mu.Lock()
				asked = append(asked, r.URL.Query().Get("setId"))
				mu.Unlock()
			}
			h.ServeHTTP(w, r)
		})
	}})
	c, ctx := env.Client, context.Background()
	org := env.Sim.OrganizationIDs()[0]
	seen := map[string]bool{}
	p := upstream.PageRequest{Limit: 7}
	for {
		page, err := c.Directory(ctx, c.NewScope(""), org, upstream.ObjectUser, upstream.DirectoryFilter{}, p)
		if err != nil {
			t.Fatal(err)
		}
		if page.SetID == "" {
			t.Fatal("no set named")
		}
		for _, u := range page.Items {
			if seen[u.ID] {
				t.Errorf("%s twice", u.ID)
			}
			seen[u.ID] = true
		}
		if !page.HasMore {
			break
		}
		p = upstream.PageRequest{Offset: p.Offset + len(page.Items), Limit: 7, SetID: page.SetID}
	}
	if len(seen) != 60 || len(asked) != 9 || asked[0] != "" || asked[1] == "" {
		t.Errorf("%d users in %d pages, sets asked %q", len(seen), len(asked), asked)
	}
	// A set the server does not know is its error, not an empty page.
	_, err := c.Directory(ctx, c.NewScope(""), org, upstream.ObjectUser, upstream.DirectoryFilter{}, upstream.PageRequest{Offset: 7, Limit: 7, SetID: "00000000-0000-0000-0000-000000000000"})
	if upstream.KindOf(err) != upstream.KindBadInput || !strings.Contains(err.Error(), "expired") {
		t.Errorf("an unknown set: %v", err)
	}
}
