package resolvers_test

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
)

// readmeExample is the first GraphQL example of the README after the line
// that starts with intro.
func readmeExample(t *testing.T, intro string) string {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, "\n"+intro)
	if i < 0 {
		t.Fatalf("the README has no example after %q", intro)
	}
	s = s[i:]
	start := strings.Index(s, "```graphql\n")
	end := strings.Index(s[start+11:], "```")
	if start < 0 || end < 0 {
		t.Fatalf("the README's example after %q is not a graphql block", intro)
	}
	return s[start+11 : start+11+end]
}

// TestREADMEExamplesCostWhatTheREADMESays runs the README's examples that
// promise a number of calls, with sharing off, on versions old and new.
func TestREADMEExamplesCostWhatTheREADMESays(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		intro string
		since int                          // the first version that answers it
		calls func(g *testenv.Gateway) int // at most
	}{
		{"Who has no backup anywhere", 3, func(g *testenv.Gateway) int { return 3 + len(g.Sim.RepositoryIDs()) }},
		{"What of each user is protected", 3, func(g *testenv.Gateway) int { return 3 + len(g.Sim.RepositoryIDs()) }},
		{"A job summary for a dashboard", 3, func(*testenv.Gateway) int { return 3 }},
		{"A restore portal's first screen", 8, func(g *testenv.Gateway) int { return 4 + len(g.Sim.RepositoryIDs()) }},
	} {
		query := readmeExample(t, c.intro)
		for _, v := range []int{3, 6, 7, 8} {
			if v < c.since {
				continue
			}
			t.Run(fmt.Sprintf("%s/v%d", c.intro, v), func(t *testing.T) {
				g := testenv.Start(t, testenv.Options{Version: v, Unshared: true})
				r, calls := g.Calls(t, query, nil)
				if len(r.Errors) > 0 || len(r.Data) < 50 {
					t.Fatalf("%s", r.Raw)
				}
				t.Logf("%d calls: %v", testenv.Total(calls), calls)
				if n := testenv.Total(calls); n > c.calls(g) {
					t.Errorf("%d calls, the README says at most %d", n, c.calls(g))
				}
			})
		}
	}
}

// TestEveryReadmeQueryRunsOnTheDemo: each query of the README, as it is
// written (its ids the demo's), answers against the demo's simulator (v8)
// without an error. Mutations, subscriptions and examples with "…" for
// what the reader fills in are left to the tests of their own.
func TestEveryReadmeQueryRunsOnTheDemo(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	g := testenv.Start(t, testenv.Options{Version: 8})
	vars := map[string]any{"id": g.Sim.SessionIDsWithStatus("Failed")[0], "after": nil}
	ran := 0
	for _, m := range regexp.MustCompile("(?s)```graphql\n(.*?)```").FindAllStringSubmatch(string(b), -1) {
		query := m[1]
		if strings.Contains(query, "…") || strings.HasPrefix(strings.TrimSpace(query), "mutation") || strings.HasPrefix(strings.TrimSpace(query), "subscription") {
			continue
		}
		ran++
		r := g.Do(t, query, vars)
		if len(r.Errors) > 0 || len(r.Data) < 40 {
			t.Errorf("%s\nanswered %.600s", query, r.Raw)
		}
	}
	if ran < 10 {
		t.Errorf("ran %d of the README's queries, want them all (10 or more)", ran)
	}
}
