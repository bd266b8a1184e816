package resolvers_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
)

// TestEveryNodeRefetches: every type that implements Node answers its
// nodeId, and node(id:) and nodes(ids:) give back the same object, on
// one server and behind several; a nodeId not of this API is
// BAD_USER_INPUT, one of no server NOT_FOUND.
func TestEveryNodeRefetches(t *testing.T) {
	t.Parallel()
	for _, servers := range [][]testenv.Options{{{Version: 8}}, {{Name: "east", Version: 6}, {Name: "west", Version: 8}}} {
		g := testenv.Start(t, testenv.Options{Servers: servers, Unshared: true})
		// One object of each type, with its nodeId, its type and its id.
		r := g.Do(t, `{ jobSessions(first: 1) { nodes { __typename nodeId id } }
			jobs(first: 1) { nodes { __typename nodeId id } }
			copyJobs(first: 1) { nodes { __typename nodeId id } }
			organizations(first: 1) { nodes { __typename nodeId id
				users(first: 1) { nodes { __typename nodeId id } } groups(first: 1) { nodes { __typename nodeId id } }
				sites(first: 1) { nodes { __typename nodeId id } } teams(first: 1) { nodes { __typename nodeId id } } } }
			backupRepositories(first: 1) { nodes { __typename nodeId id } }
			proxies(first: 1) { nodes { __typename nodeId id } }
			restorePoints(first: 1) { nodes { __typename nodeId id } }
			restoreSessions(first: 1) { nodes { __typename nodeId id } } }`, nil)
		type object struct {
			Typename string `json:"__typename"`
			NodeID   string `json:"nodeId"`
			ID       string `json:"id"`
		}
		var objects []object
		var walk func(v any)
		walk = func(v any) {
			switch v := v.(type) {
			case map[string]any:
				if id, ok := v["nodeId"].(string); ok {
					objects = append(objects, object{v["__typename"].(string), id, v["id"].(string)})
				}
				for _, c := range v {
					walk(c)
				}
			case []any:
				for _, c := range v {
					walk(c)
				}
			}
		}
		var data any
		if err := json.Unmarshal(r.Data, &data); err != nil || len(r.Errors) > 0 {
			t.Fatalf("%v %.800s", err, r.Raw)
		}
		walk(data)
		if len(objects) < 12 {
			t.Fatalf("%d objects with a nodeId: %+v", len(objects), objects)
		}
		var ids []string
		seen := map[string]bool{}
		for _, o := range objects {
			if seen[o.NodeID] || strings.Contains(o.NodeID, o.ID) {
				t.Errorf("%s's nodeId %q is not unique and opaque", o.Typename, o.NodeID)
			}
			seen[o.NodeID] = true
			ids = append(ids, o.NodeID)
			r := g.Do(t, `query($id: ID!) { node(id: $id) { __typename nodeId ... on Job { id } ... on JobSession { id } ... on CopyJob { id }
				... on Organization { id } ... on BackupRepository { id } ... on Proxy { id } ... on RestorePoint { id } ... on RestoreSession { id }
				... on OrganizationUser { id } ... on OrganizationGroup { id } ... on OrganizationSite { id } ... on OrganizationTeam { id } } }`,
				map[string]any{"id": o.NodeID})
			var got struct{ Node *object }
			if err := json.Unmarshal(r.Data, &got); err != nil || len(r.Errors) > 0 || got.Node == nil || *got.Node != o {
				t.Errorf("node(%s) of a %s: %s", o.NodeID, o.Typename, r.Raw)
			}
		}
		r = g.Do(t, `query($ids: [ID!]!) { nodes(ids: $ids) { __typename nodeId } }`, map[string]any{"ids": ids})
		var all struct{ Nodes []*object }

		if err := json.Unmarshal(r.Data, &all); err != nil || len(r.Errors) > 0 || len(all.Nodes) != len(ids) {
			t.Fatalf("nodes: %s", r.Raw)
		}
		for i, n := range all.Nodes {
			if n == nil || n.NodeID != ids[i] || n.Typename != objects[i].Typename { // id is not selected here
				t.Errorf("nodes[%d] = %+v, want %+v", i, n, objects[i])
			}
		}

		garbage := []string{"bm90IGEgbm9kZQ", "not base64!", encodeNode("Job:default:1; DROP TABLE"), encodeNode("Nope:default:" + objects[0].ID)}
		noServer := encodeNode("Job:nowhere:8ce1146b-ce68-5c16-a190-81ac10c9beb1")
		r = g.Do(t, `query($ids: [ID!]!) { nodes(ids: $ids) { nodeId } }`, map[string]any{"ids": append(garbage, noServer)})
		codes := map[string]int{}
		for _, e := range r.Errors {
			codes[fmt.Sprint(e.Extensions["code"])]++
		}
		if codes["BAD_USER_INPUT"] != len(garbage) || codes["NOT_FOUND"] != 1 || !strings.Contains(string(r.Data), `"nodes":[null,null,null,null,null]`) {
			t.Errorf("nodeIds not of this API: %s", r.Raw)
		}
	}
}

// TestNodesBatch: the nodes of many jobs cost the job listing, not a call
// each.
func TestNodesBatch(t *testing.T) {
	t.Parallel()
	g := testenv.Start(t, testenv.Options{Unshared: true})
	r := g.Do(t, `{ jobs(first: 10) { nodes { nodeId } } }`, nil)
	var d struct {
		Jobs struct{ Nodes []struct{ NodeID string } }
	}
	if err := json.Unmarshal(r.Data, &d); err != nil || len(d.Jobs.Nodes) != 10 {
		t.Fatalf("%v %s", err, r.Raw)
	}
	var ids []string
	for _, n := range d.Jobs.Nodes {
		ids = append(ids, n.NodeID)
	}
	r, calls := g.Calls(t, `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Job { name } } }`, map[string]any{"ids": ids})
	if len(r.Errors) > 0 || testenv.Total(calls) != 1 {
		t.Errorf("10 jobs by nodeId cost %v: %.300s", calls, r.Raw)
	}
}

func encodeNode(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
