package resolvers_test

import (
	"strings"
	"testing"
	"time"

	"github.com/vb365-graphql/vb365-graphql/resolvers"
	"github.com/vb365-graphql/vb365-graphql/upstream"
)

func TestHostileQueriesAreRefusedBeforeAnyUpstreamCall(t *testing.T) {
	g := newGateway(t, gatewayOptions{version: 8})
	deep := `{ jobs { nodes { sessions { nodes { job { sessions { nodes { job { sessions { nodes { job { sessions { nodes { id } } } } } } } } } } } } } }`
	var aliases strings.Builder
	aliases.WriteString("{")
	for i := range 40 {
		aliases.WriteString(" a" + string(rune('A'+i%26)) + string(rune('a'+i/26)) + ": jobs(first: 1) { totalCount }")
	}
	aliases.WriteString(" }")
	cases := []struct{ name, query, code, says string }{
		{"too deep", deep, "COMPLEXITY_LIMIT_EXCEEDED", "levels deep"},
		{"too many aliases", aliases.String(), "COMPLEXITY_LIMIT_EXCEEDED", "aliases"},
		{"too complex", `{ jobSessions(first: 1000) { nodes { log(first: 1000) { nodes { title } } } } }`, "COMPLEXITY_LIMIT_EXCEEDED", "complexity"},
		{"too many tokens", "{" + strings.Repeat(" __typename", 6000) + " }", "GRAPHQL_PARSE_FAILED", "token"},
	}
	for _, c := range cases {
		r, calls := g.calls(t, c.query, nil)
		if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != c.code || !strings.Contains(r.Errors[0].Message, c.says) {
			t.Errorf("%s: %.300s; want %s saying %q", c.name, r.raw, c.code, c.says)
		}
		if total(calls) != 0 {
			t.Errorf("%s: %d upstream calls", c.name, total(calls))
		}
	}
	// A large but reasonable query passes: 50 sessions with their jobs and 5 log lines each.
	if r := g.do(t, `{ jobSessions(first: 50) { nodes { id job { name } log(first: 5) { nodes { title } } } } }`, nil); len(r.Errors) > 0 {
		t.Errorf("a reasonable query was refused: %.300s", r.raw)
	}
	// GraphiQL's introspection is deep, and not counted.
	if r := g.do(t, introspectionQuery, nil); len(r.Errors) > 0 {
		t.Errorf("introspection refused: %.300s", r.raw)
	}
}

func TestIntrospectionCanBeTurnedOff(t *testing.T) {
	g := newGateway(t, gatewayOptions{version: 8})
	sim := g.sim
	client, err := upstream.New(upstream.Options{BaseURL: "http://127.0.0.1:1", Version: 8})
	if err != nil {
		t.Fatal(err)
	}
	g = &gateway{sim: sim, handler: resolvers.NewHandler(client, resolvers.HandlerOptions{BatchWait: time.Millisecond, NoIntrospection: true})}
	r := g.do(t, `{ __schema { queryType { name } } }`, nil)
	if len(r.Errors) != 1 || !strings.Contains(r.Errors[0].Message, "introspection") {
		t.Errorf("introspection answered: %s", r.raw)
	}
}

const introspectionQuery = `query IntrospectionQuery { __schema { queryType { name } types { ...FullType } directives { name args { ...InputValue } } } }
fragment FullType on __Type { kind name description fields(includeDeprecated: true) { name args { ...InputValue } type { ...TypeRef } } enumValues(includeDeprecated: true) { name } }
fragment InputValue on __InputValue { name type { ...TypeRef } defaultValue }
fragment TypeRef on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }`
