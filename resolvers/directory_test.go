package resolvers_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
)

// part is one part of an object's protection, as the graph answers it.
type part struct {
	BackedUp       bool
	LastBackupTime *string
}

// restUserProtection is what the REST API says of each user of an
// organization: every repository's UserData, read as a script would, each
// part the latest over the repositories, by the user's id (accountId; the
// item's own id is another).
func restUserProtection(t *testing.T, env *testenv.Env, organizationID string) (map[string]map[string]part, map[string][]string) {
	t.Helper()
	v := fmt.Sprintf("/v%d", env.Sim.Version())
	tok := env.Token(t)
	items := func(path string) []map[string]any { return env.Items(t, v+path, tok) }
	parts := map[string]map[string]part{}
	repos := map[string][]string{}
	for _, r := range items("/BackupRepositories") {
		for _, d := range items("/BackupRepositories/" + r["id"].(string) + "/UserData?limit=1000") {
			if org, ok := d["organizationId"].(string); ok && org != organizationID {
				continue
			}
			user := d["accountId"].(string)
			if parts[user] == nil {
				parts[user] = map[string]part{}
			}
			held := false
			for name, field := range map[string]string{"mailbox": "mailbox", "archive": "archive", "oneDrive": "oneDrive", "personalSite": "personalSite"} {
				p := parts[user][name]
				upper := strings.ToUpper(field[:1]) + field[1:]
				if d["is"+upper+"BackedUp"] == true {
					p.BackedUp, held = true, true
				}
				if when, ok := d[field+"BackedUpTime"].(string); ok && (p.LastBackupTime == nil || when > *p.LastBackupTime) {
					p.LastBackupTime = &when
				}
				parts[user][name] = p
			}
			if held {
				repos[user] = append(repos[user], r["name"].(string))
			}
		}
	}
	return parts, repos
}

// TestWhoIsProtected: for Contoso's 60 users, 12 of them with no backup
// anywhere, one query answers every user's protection as the REST API
// says, for at most 3 + (number of repositories) calls with sharing off;
// protected: false lists exactly the 12; pages of 7 cover the 60 once.
func TestWhoIsProtected(t *testing.T) {
	t.Parallel()
	for _, v := range []int{3, 5, 6, 7, 8} {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			t.Parallel()
			g := testenv.Start(t, testenv.Options{Version: v, Unshared: true})
			org := g.Sim.OrganizationIDs()[0]
			ids := g.Sim.DirectoryIDs(org, "User")
			if len(ids) != 60 {
				t.Fatalf("the simulator's Contoso has %d users", len(ids))
			}
			wantParts, wantRepos := restUserProtection(t, g.Env, org)
			repositories := len(g.Sim.RepositoryIDs())

			const sel = `{ backedUp lastBackupTime }`
			r, calls := g.Calls(t, `query($org: ID!) { organization(id: $org) { users(first: 1000) { totalCount nodes { id
				protection { protected mailbox `+sel+` archive `+sel+` oneDrive `+sel+` personalSite `+sel+` repositories { name } } } } } }`,
				map[string]any{"org": org})
			var all struct {
				Organization struct {
					Users struct {
						Nodes []struct {
							ID         string
							Protection struct {
								Protected                                bool
								Mailbox, Archive, OneDrive, PersonalSite part
								Repositories                             []struct{ Name string }
							}
						}
					}
				}
			}
			if err := json.Unmarshal(r.Data, &all); err != nil || len(r.Errors) > 0 {
				t.Fatalf("%v %.600s", err, r.Raw)
			}
			users := all.Organization.Users.Nodes
			if len(users) != 60 {
				t.Fatalf("%d users", len(users))
			}
			var unprotected []string
			for _, u := range users {
				want := wantParts[u.ID]
				got := map[string]part{"mailbox": u.Protection.Mailbox, "archive": u.Protection.Archive, "oneDrive": u.Protection.OneDrive, "personalSite": u.Protection.PersonalSite}
				for name, p := range got {
					w := want[name]
					if p.BackedUp != w.BackedUp || fmt.Sprint(p.LastBackupTime != nil) != fmt.Sprint(w.LastBackupTime != nil) ||
						p.LastBackupTime != nil && !sameInstant(*p.LastBackupTime, *w.LastBackupTime) {
						t.Errorf("user %s %s: %+v, the REST API says %+v", u.ID, name, p, w)
					}
				}
				var names []string
				for _, rep := range u.Protection.Repositories {
					names = append(names, rep.Name)
				}
				if slices.Sort(names); fmt.Sprint(names) != fmt.Sprint(sorted(wantRepos[u.ID])) {
					t.Errorf("user %s is held by %v, the REST API says %v", u.ID, names, wantRepos[u.ID])
				}
				if !u.Protection.Protected {
					unprotected = append(unprotected, u.ID)
				}
			}
			if len(unprotected) != 12 {
				t.Errorf("%d users unprotected, want 12", len(unprotected))
			}
			if n := testenv.Total(calls); n > 3+repositories {
				t.Errorf("%d calls (%v), want at most 3 + %d repositories", n, calls, repositories)
			}
			t.Logf("v%d: every user's protection in %d calls: %v", v, testenv.Total(calls), calls)

			r, calls = g.Calls(t, `query($org: ID!) { organization(id: $org) { users(protected: false, first: 100) { totalCount nodes { id protection { protected } } } } }`,
				map[string]any{"org": org})
			var none struct {
				Organization struct {
					Users struct {
						TotalCount int
						Nodes      []struct{ ID string }
					}
				}
			}
			if err := json.Unmarshal(r.Data, &none); err != nil || len(r.Errors) > 0 {
				t.Fatalf("%v %.600s", err, r.Raw)
			}
			var got []string
			for _, u := range none.Organization.Users.Nodes {
				got = append(got, u.ID)
			}
			if fmt.Sprint(sorted(got)) != fmt.Sprint(sorted(unprotected)) || none.Organization.Users.TotalCount != 12 {
				t.Errorf("protected: false lists %v (total %d), want %v", got, none.Organization.Users.TotalCount, unprotected)
			}
			if n := testenv.Total(calls); n > 3+repositories {
				t.Errorf("who is not protected: %d calls (%v), want at most 3 + %d", n, calls, repositories)
			}
			t.Logf("v%d: who is not protected in %d calls: %v", v, testenv.Total(calls), calls)

			var walked []string
			after := ""
			for pages := 0; ; pages++ {
				if pages > 9 {
					t.Fatalf("more than 9 pages of 7")
				}
				r := g.Do(t, `query($org: ID!, $after: String) { organization(id: $org) { users(first: 7, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } } }`,
					map[string]any{"org": org, "after": after})
				var page struct {
					Organization struct {
						Users struct {
							Nodes    []struct{ ID string }
							PageInfo struct {
								HasNextPage bool
								EndCursor   string
							}
						}
					}
				}
				if err := json.Unmarshal(r.Data, &page); err != nil || len(r.Errors) > 0 {
					t.Fatalf("%v %.600s", err, r.Raw)
				}
				for _, u := range page.Organization.Users.Nodes {
					walked = append(walked, u.ID)
				}
				if !page.Organization.Users.PageInfo.HasNextPage {
					break
				}
				after = page.Organization.Users.PageInfo.EndCursor
			}
			if fmt.Sprint(walked) != fmt.Sprint(ids) {
				t.Errorf("pages of 7 walked %d users, not the 60 once in the directory's order", len(walked))
			}
		})
	}
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// sameInstant compares two RFC 3339 times, however each is written.
func sameInstant(a, b string) bool {
	ta, errA := time.Parse(time.RFC3339Nano, a)
	tb, errB := time.Parse(time.RFC3339Nano, b)
	return errA == nil && errB == nil && ta.Equal(tb)
}

// TestDirectoryLinksAreBatched: a group's members as users, and what a
// repository holds as the users it names, cost one listing of the users,
// not a call per row; OneDrives a call per user, asked together.
func TestDirectoryLinksAreBatched(t *testing.T) {
	t.Parallel()
	for _, v := range []int{3, 8} {
		g := testenv.Start(t, testenv.Options{Version: v, Unshared: true})
		org := g.Sim.OrganizationIDs()[0]
		r, calls := g.Calls(t, `query($org: ID!) { organization(id: $org) { groups(first: 1) { nodes { members(first: 15) { nodes { user { displayName } } } } } } }`,
			map[string]any{"org": org})
		if len(r.Errors) > 0 || strings.Count(string(r.Raw), `"displayName"`) != 15 {
			t.Fatalf("v%d: %s", v, r.Raw)
		}
		if calls["GET /Organizations/{id}/Users/{id}"] > 0 || calls["GET /Organizations/{id}/Users"] != 1 {
			t.Errorf("v%d: 15 members as users cost %v", v, calls)
		}
		repo := g.Sim.RepositoryIDs()[0]
		r, calls = g.Calls(t, `query($id: ID!) { backupRepository(id: $id) { userData(first: 20) { nodes { user { displayName } } } } }`, map[string]any{"id": repo})
		if len(r.Errors) > 0 || calls["GET /Organizations/{id}/Users/{id}"] > 0 || calls["GET /Organizations/{id}/Users"] > 3 {
			t.Errorf("v%d: 20 data items as users cost %v: %.300s", v, calls, r.Raw)
		}
		r, calls = g.Calls(t, `query($org: ID!) { organization(id: $org) { users(first: 10) { nodes { oneDrives { url } } } } }`, map[string]any{"org": org})
		if len(r.Errors) > 0 || calls["GET /Organizations/{id}/Users/{id}/OneDrives"] != 10 {
			t.Errorf("v%d: OneDrives of 10 users cost %v: %.300s", v, calls, r.Raw)
		}
	}
}

// TestRestorePointsOfAnObject: on v8 a user's restore points are those
// the REST API lists for it (userId), newest first; the root list takes
// the same filter and restorePoint(id) finds each; before v8 the field is
// NOT_SUPPORTED_BY_VERSION, naming v8.
func TestRestorePointsOfAnObject(t *testing.T) {
	t.Parallel()
	g := testenv.Start(t, testenv.Options{Version: 8, Unshared: true})
	org := g.Sim.OrganizationIDs()[0]
	tok := g.Env.Token(t)
	for _, user := range g.Sim.DirectoryIDs(org, "User")[:3] {
		_, body := g.Env.Get(t, "/v8/RestorePoints?orderAsc=false&limit=1000&userId="+user, tok)
		var rest struct{ Results []struct{ ID string } }
		if err := json.Unmarshal([]byte(body), &rest); err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, p := range rest.Results {
			want = append(want, p.ID)
		}
		r := g.Do(t, `query($org: ID!, $user: ID!) { organization(id: $org) { users(first: 3) { nodes { id restorePoints(first: 100) { nodes { id backupTime } } } } }
			restorePoints(userId: $user, first: 100) { nodes { id } } }`, map[string]any{"org": org, "user": user})
		var d struct {
			Organization struct {
				Users struct {
					Nodes []struct {
						ID            string
						RestorePoints struct {
							Nodes []struct{ ID, BackupTime string }
						}
					}
				}
			}
			RestorePoints struct{ Nodes []struct{ ID string } }
		}
		if err := json.Unmarshal(r.Data, &d); err != nil || len(r.Errors) > 0 {
			t.Fatalf("%v %.500s", err, r.Raw)
		}
		var got, root []string
		for _, u := range d.Organization.Users.Nodes {
			if u.ID != user {
				continue
			}
			for i, p := range u.RestorePoints.Nodes {
				got = append(got, p.ID)
				if i > 0 && p.BackupTime > u.RestorePoints.Nodes[i-1].BackupTime {
					t.Errorf("user %s: restore points not newest first", user)
				}
			}
		}
		for _, p := range d.RestorePoints.Nodes {
			root = append(root, p.ID)
		}
		want = want[:min(100, len(want))]
		if len(want) == 0 || fmt.Sprint(got) != fmt.Sprint(want) || fmt.Sprint(root) != fmt.Sprint(want) {
			t.Errorf("user %s: %d and %d restore points, not the %d the REST API lists", user, len(got), len(root), len(want))
		}
		r = g.Do(t, `query($id: ID!) { restorePoint(id: $id) { id organization { id } } }`, map[string]any{"id": want[0]})
		if len(r.Errors) > 0 || !strings.Contains(string(r.Data), want[0]) || !strings.Contains(string(r.Data), org) {
			t.Errorf("restorePoint(%s): %s", want[0], r.Raw)
		}
	}
	r := g.Do(t, `{ restorePoints(userId: "6848de9a-7315-5117-8b36-585ed1ff5fd0", teamId: "6848de9a-7315-5117-8b36-585ed1ff5fd0") { totalCount } }`, nil)
	if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "BAD_USER_INPUT" {
		t.Errorf("two objects at once: %s", r.Raw)
	}

	old := testenv.Start(t, testenv.Options{Version: 7, Unshared: true})
	r, calls := old.Calls(t, `query($org: ID!) { organization(id: $org) { users(first: 2) { nodes { restorePoints { totalCount } } } } }`, map[string]any{"org": org})
	if len(r.Errors) != 2 || r.Errors[0].Extensions["code"] != "NOT_SUPPORTED_BY_VERSION" || !strings.Contains(r.Errors[0].Message, "v8") || calls["GET /RestorePoints"] > 0 {
		t.Errorf("v7: %s (%v)", r.Raw, calls)
	}
}

// TestWhatAJobProtects: Contoso's first job selects the organization and
// leaves out the users no job backs up, exactly those of its users that
// have no backup but shared mailboxes' and new users'; its other jobs
// select users, each linked to the directory with its protection; before
// v6 the lists are NOT_SUPPORTED_BY_VERSION, naming v6.
func TestWhatAJobProtects(t *testing.T) {
	t.Parallel()
	for _, v := range []int{6, 7, 8} {
		g := testenv.Start(t, testenv.Options{Version: v, Unshared: true})
		org := g.Sim.OrganizationIDs()[0]
		r := g.Do(t, `query($org: ID!) { organization(id: $org) { jobs(first: 6) { nodes { name
				selectedItems(first: 30) { nodes { type mailbox oneDrive sites teams user { id protection { protected } } group { id } site { id } team { id } } }
				excludedItems(first: 20) { nodes { type id user { id name protection { protected } } } } } }
			unprotected: users(protected: false, first: 100) { nodes { id type } } } }`, map[string]any{"org": org})
		var d struct {
			Organization struct {
				Jobs struct {
					Nodes []struct {
						Name          string
						SelectedItems struct {
							Nodes []struct {
								Type                    string
								User, Group, Site, Team *struct{ ID string }
							}
						}
						ExcludedItems struct {
							Nodes []struct {
								Type string
								User *struct {
									ID         string
									Protection struct{ Protected bool }
								}
							}
						}
					}
				}
				Unprotected struct{ Nodes []struct{ ID, Type string } }
			}
		}
		if err := json.Unmarshal(r.Data, &d); err != nil || len(r.Errors) > 0 {
			t.Fatalf("v%d: %v %.600s", v, err, r.Raw)
		}
		jobs := d.Organization.Jobs.Nodes
		first := jobs[0]
		if len(first.SelectedItems.Nodes) != 1 || first.SelectedItems.Nodes[0].Type != "PARTIAL_ORGANIZATION" {
			t.Errorf("v%d: %s selects %+v", v, first.Name, first.SelectedItems.Nodes)
		}
		var excluded, unprotectedUsers []string
		for _, n := range first.ExcludedItems.Nodes {
			if n.Type != "USER" || n.User == nil || n.User.Protection.Protected {
				t.Errorf("v%d: an excluded item %+v", v, n)
				continue
			}
			excluded = append(excluded, n.User.ID)
		}
		for _, u := range d.Organization.Unprotected.Nodes {
			if u.Type == "USER" {
				unprotectedUsers = append(unprotectedUsers, u.ID)
			}
		}
		// The unprotected users are those left out, and the two licensed ones not backed up yet.
		if len(excluded) != 10 || len(unprotectedUsers) != 12 || !subset(excluded, unprotectedUsers) {
			t.Errorf("v%d: %d users left out, %d unprotected", v, len(excluded), len(unprotectedUsers))
		}
		linked := 0
		for _, j := range jobs[1:] {
			for _, n := range j.SelectedItems.Nodes {
				if n.User != nil || n.Group != nil || n.Site != nil || n.Team != nil {
					linked++
				}
			}
		}
		if linked == 0 {
			t.Errorf("v%d: no job selects a user, group, site or team", v)
		}
	}
	old := testenv.Start(t, testenv.Options{Version: 5})
	r := old.Do(t, `{ jobs(first: 1) { nodes { selectedItems { totalCount } } } }`, nil)
	if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "NOT_SUPPORTED_BY_VERSION" || !strings.Contains(r.Errors[0].Message, "v6") {
		t.Errorf("v5: %s", r.Raw)
	}
}

func subset(small, big []string) bool {
	for _, s := range small {
		if !slices.Contains(big, s) {
			return false
		}
	}
	return true
}
