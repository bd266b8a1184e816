package graphqlhttp_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/vb365-graphql/vb365-graphql/graphqlhttp"
	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
)

func TestHostileQueriesAreRefusedBeforeAnyUpstreamCall(t *testing.T) {
	t.Parallel()
	g := testenv.Start(t, testenv.Options{Version: 8, Client: testenv.NoListing, Unshared: true})
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
		r, calls := g.Calls(t, c.query, nil)
		if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != c.code || !strings.Contains(r.Errors[0].Message, c.says) {
			t.Errorf("%s: %.300s; want %s saying %q", c.name, r.Raw, c.code, c.says)
		}
		if testenv.Total(calls) != 0 {
			t.Errorf("%s: %d upstream calls", c.name, testenv.Total(calls))
		}
	}
	// A large but reasonable query passes: 50 sessions with their jobs and 5 log lines each.
	if r := g.Do(t, `{ jobSessions(first: 50) { nodes { id job { name } log(first: 5) { nodes { title } } } } }`, nil); len(r.Errors) > 0 {
		t.Errorf("a reasonable query was refused: %.300s", r.Raw)
	}
	// GraphiQL's introspection is deep, and not counted.
	if r := g.Do(t, introspectionQuery, nil); len(r.Errors) > 0 {
		t.Errorf("introspection refused: %.300s", r.Raw)
	}
}

func TestIntrospectionCanBeTurnedOff(t *testing.T) {
	t.Parallel()
	g := testenv.Start(t, testenv.Options{Handler: func(o *graphqlhttp.Options) { o.Introspection = false }})
	for _, q := range []string{`{ __schema { queryType { name } } }`, `{ __type(name: "Job") { name } }`, `{ ... on Query { __schema { types { name } } } }`} {
		r := g.Do(t, q, nil)
		if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "GRAPHQL_VALIDATION_FAILED" || !strings.Contains(r.Errors[0].Message, "introspection is turned off") {
			t.Errorf("%s: introspection answered: %s", q, r.Raw)
		}
	}
	if r := g.Do(t, `{ __typename }`, nil); len(r.Errors) > 0 {
		t.Errorf("__typename is always answered: %s", r.Raw)
	}
}

// TestIntrospectionShowsNoGqlgenInternals: gqlgen's Entity type (its
// findJobByID... are for resolver code) is not in the served schema, while
// what a federation gateway calls (_service, _entities) still answers.
func TestIntrospectionShowsNoGqlgenInternals(t *testing.T) {
	t.Parallel()
	g := testenv.Start(t, testenv.Options{})
	r := g.Do(t, `{ entity: __type(name: "Entity") { name } union: __type(name: "_Entity") { possibleTypes { name } } __schema { types { name } } }`, nil)
	var got struct {
		Entity *struct{ Name string }
		Union  struct{ PossibleTypes []struct{ Name string } }
		Schema struct{ Types []struct{ Name string } } `json:"__schema"`
	}
	if err := json.Unmarshal(r.Data, &got); err != nil || len(r.Errors) > 0 {
		t.Fatalf("%v %s", err, r.Raw)
	}
	if got.Entity != nil {
		t.Errorf("introspection shows gqlgen's Entity type")
	}
	for _, typ := range got.Schema.Types {
		if strings.Contains(typ.Name, "Entity") && typ.Name != "_Entity" {
			t.Errorf("introspection lists %s", typ.Name)
		}
	}
	if len(got.Union.PossibleTypes) < 5 {
		t.Errorf("_Entity has %d types, want the 5 keyed ones", len(got.Union.PossibleTypes))
	}
	if r := g.Do(t, `{ _service { sdl } }`, nil); len(r.Errors) > 0 || !strings.Contains(string(r.Data), "@key") {
		t.Errorf("_service: %.300s", r.Raw)
	}
}

// TestPageSizesOverTheMaximumSaySo: a page over 1000 items, at the root
// or nested (where its cost would be counted first), literal or in a
// variable, is told that a page has at most 1000 items, not that the
// operation costs too much.
func TestPageSizesOverTheMaximumSaySo(t *testing.T) {
	t.Parallel()
	g := testenv.Start(t, testenv.Options{})
	for _, c := range []struct {
		query string
		vars  map[string]any
		says  string
	}{
		{`{ jobSessions(first: 1001) { nodes { id } } }`, nil, "jobSessions asks first: 1001"},
		{`{ organizations { nodes { users(first: 1001) { nodes { id } } } } }`, nil, "users asks first: 1001"},
		{`query($n: Int) { organizations { nodes { contoso: users(last: $n) { nodes { id } } } } }`, map[string]any{"n": 5000}, "contoso asks last: 5000"},
	} {
		r := g.Do(t, c.query, c.vars)
		if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "BAD_USER_INPUT" ||
			!strings.Contains(r.Errors[0].Message, "a page has at most 1000 items") || !strings.Contains(r.Errors[0].Message, c.says) {
			t.Errorf("%s: %s", c.query, r.Raw)
		}
	}
	if r := g.Do(t, `{ jobSessions(first: 1000) { nodes { id } } }`, nil); len(r.Errors) > 0 {
		t.Errorf("a page of 1000: %.300s", r.Raw)
	}
}

const introspectionQuery = `query IntrospectionQuery { __schema { queryType { name } types { ...FullType } directives { name args { ...InputValue } } } }
fragment FullType on __Type { kind name description fields(includeDeprecated: true) { name args { ...InputValue } type { ...TypeRef } } enumValues(includeDeprecated: true) { name } }
fragment InputValue on __InputValue { name type { ...TypeRef } defaultValue }
fragment TypeRef on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }`

// A page size beyond 32 bits, or a nesting of large pages, must not wrap an
// operation's cost around to a small number. Before, costs were products in
// unchecked int: the first query below, whose size 2^59.8 was chosen to wrap,
// cost 9 and ran, fetching 1000 sessions' processed objects.
func TestCostsCannotWrapAround(t *testing.T) {
	t.Parallel()
	g := testenv.Start(t, testenv.Options{Version: 8, Unshared: true})
	const wrapping = `{ jobSessions(first: 1000) { nodes {
	  processedObjects(first: 1000) { nodes { id } }
	  c: processedObjects(first: 1033017668127733889) { nodes { id } } } } }`
	const inRange = `query($n: Int) { jobSessions(first: 1000) { nodes {
	  processedObjects(first: 1000) { nodes { id } }
	  c: processedObjects(first: $n) { nodes { id } } } } }`
	const nested = `{ jobs(first: 1000) { nodes { sessions(first: 1000) { nodes { log(first: 1000) { nodes { title } } } } } } }`
	cases := []struct {
		name, query string
		vars        map[string]any
		code, says  string
	}{
		{"a literal beyond 32 bits", wrapping, nil, "BAD_USER_INPUT", "signed 32-bit"},
		{"a variable beyond 32 bits", inRange, map[string]any{"n": 1033017668127733889}, "BAD_USER_INPUT", "$n is not an Int"},
		{"a variable beyond 32 bits, as a float", inRange, map[string]any{"n": 1e12}, "BAD_USER_INPUT", "$n is not an Int"},
		{"the largest Int", inRange, map[string]any{"n": 2147483647}, "BAD_USER_INPUT", "at most 1000 items"},
		{"three nested pages of the largest size", nested, nil, "COMPLEXITY_LIMIT_EXCEEDED", "complexity"},
		{"the same inside _entities", `{ _entities(representations: [{__typename: "Job", id: "a"}, {__typename: "Job", id: "b"}]) {
		  ... on Job { sessions(first: 1000) { nodes { log(first: 1000) { nodes { title } } c: log(first: 1000) { nodes { title } } } } } } }`,
			nil, "COMPLEXITY_LIMIT_EXCEEDED", "complexity"},
	}
	for _, c := range cases {
		r, calls := g.Calls(t, c.query, c.vars)
		if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != c.code || !strings.Contains(r.Errors[0].Message, c.says) {
			t.Errorf("%s: %.400s; want one %s saying %q", c.name, r.Raw, c.code, c.says)
		}
		if n := testenv.Total(calls); n != 0 {
			t.Errorf("%s: %d upstream calls before it was refused", c.name, n)
		}
		t.Logf("%s: %s", c.name, r.Errors[0].Message)
	}
	// An Int in range, where a Float is expected or in a list, is no error.
	if r := g.Do(t, `query($n: Int = 5) { jobSessions(first: $n) { nodes { id } } }`, nil); len(r.Errors) > 0 {
		t.Errorf("a default of 5: %.300s", r.Raw)
	}
}
