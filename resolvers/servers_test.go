package resolvers_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vb365-graphql/vb365-graphql/graphqlhttp"
	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
	"github.com/vb365-graphql/vb365-graphql/upstream/vb365sim"
)

// The fleet of these tests: three servers of three API versions, each with
// an estate (and ids) of its own.
var fleetServers = []struct {
	name    string
	version int
}{{"east", 3}, {"west", 6}, {"north", 8}}

func fleet(t *testing.T, unshared bool) *testenv.Gateway {
	t.Helper()
	return fleetWith(t, unshared, nil, nil)
}

// fleetWith is fleet with the gateway's options tweaked, and each server's.
func fleetWith(t *testing.T, unshared bool, gateway func(*testenv.Options), each func(*testenv.Options)) *testenv.Gateway {
	t.Helper()
	var servers []testenv.Options
	for _, s := range fleetServers {
		o := testenv.Options{Name: s.name, Version: s.version, Unshared: unshared, Sim: func(o *vb365sim.Options) { o.SessionsPerJob = 6 }}
		if each != nil {
			each(&o)
		}
		servers = append(servers, o)
	}
	o := testenv.Options{Servers: servers}
	if gateway != nil {
		gateway(&o)
	}
	return testenv.Start(t, o)
}

type listedSession struct {
	ID           string
	CreationTime time.Time
	Server       struct{ Name string }
}

type sessionPage struct {
	JobSessions struct {
		TotalCount *int
		Nodes      []listedSession
		PageInfo   struct {
			HasNextPage, HasPreviousPage bool
			StartCursor, EndCursor       *string
		}
	}
}

const qSessionPage = `query($first: Int, $after: String, $last: Int, $before: String, $servers: [String!]) {
  jobSessions(first: $first, after: $after, last: $last, before: $before, servers: $servers) {
    totalCount nodes { id creationTime server { name } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`

func sessionPageOf(t *testing.T, g *testenv.Gateway, vars map[string]any) sessionPage {
	t.Helper()
	r := g.Do(t, qSessionPage, vars)
	if len(r.Errors) > 0 {
		t.Fatalf("%v: %s", vars, r.Raw)
	}
	var p sessionPage
	if err := json.Unmarshal(r.Data, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func whose(sessions []listedSession) []string {
	out := make([]string, len(sessions))
	for i, s := range sessions {
		out[i] = s.Server.Name + "/" + s.ID
	}
	return out
}

// TestMergedSessionsAreTheUnion: walking jobSessions over three servers,
// forwards or backwards, page by page, gives every server's sessions once
// each, newest first: the union of the three lists, merged.
func TestMergedSessionsAreTheUnion(t *testing.T) {
	t.Parallel()
	g := fleet(t, false)
	var want []listedSession
	for _, e := range g.Envs {
		own := sessionPageOf(t, g, map[string]any{"first": 1000, "servers": []string{e.Client.Name()}}).JobSessions.Nodes
		for i := range own {
			own[i].Server.Name = e.Client.Name()
		}
		want = append(want, own...)
	}
	slices.SortStableFunc(want, func(a, b listedSession) int { return b.CreationTime.Compare(a.CreationTime) })
	if len(want) != 3*12*6 {
		t.Fatalf("the servers hold %d sessions, want %d", len(want), 3*12*6)
	}

	for _, size := range []int{1, 7, 50} {
		var forward []listedSession
		vars := map[string]any{"first": size}
		for pages := 0; ; pages++ {
			p := sessionPageOf(t, g, vars).JobSessions
			if p.TotalCount != nil { // v8 does not tell its total
				t.Fatalf("totalCount %v, want none", *p.TotalCount)
			}
			if len(p.Nodes) > size || pages > len(want) {
				t.Fatalf("page %d: %d sessions, asked for %d", pages, len(p.Nodes), size)
			}
			if pages > 0 != p.PageInfo.HasPreviousPage {
				t.Errorf("forward page %d: hasPreviousPage %v", pages, p.PageInfo.HasPreviousPage)
			}
			forward = append(forward, p.Nodes...)
			if !p.PageInfo.HasNextPage {
				break
			}
			vars = map[string]any{"first": size, "after": *p.PageInfo.EndCursor}
		}
		if got, w := whose(forward), whose(want); !slices.Equal(got, w) {
			t.Errorf("first: %d: walked %d sessions, want the %d of the union in order", size, len(got), len(w))
		}

		var backward []listedSession
		vars = map[string]any{"last": size}
		for pages := 0; ; pages++ {
			p := sessionPageOf(t, g, vars).JobSessions
			if len(p.Nodes) > size || pages > len(want) {
				t.Fatalf("backward page %d: %d sessions, asked for %d", pages, len(p.Nodes), size)
			}
			backward = append(slices.Clone(p.Nodes), backward...)
			if !p.PageInfo.HasPreviousPage {
				break
			}
			vars = map[string]any{"last": size, "before": *p.PageInfo.StartCursor}
		}
		if got, w := whose(backward), whose(want); !slices.Equal(got, w) {
			t.Errorf("last: %d: walked %d sessions back, want the %d of the union in order", size, len(got), len(w))
		}
	}

	// A page's end cursor, walked back from, gives the page before it.
	first := sessionPageOf(t, g, map[string]any{"first": 10}).JobSessions
	second := sessionPageOf(t, g, map[string]any{"first": 10, "after": *first.PageInfo.EndCursor}).JobSessions
	back := sessionPageOf(t, g, map[string]any{"last": 10, "before": *second.PageInfo.StartCursor}).JobSessions
	if !slices.Equal(whose(back.Nodes), whose(first.Nodes)) || !back.PageInfo.HasNextPage || back.PageInfo.HasPreviousPage {
		t.Errorf("back from page 2 gives %v (next %v, previous %v), want page 1 %v", whose(back.Nodes),
			back.PageInfo.HasNextPage, back.PageInfo.HasPreviousPage, whose(first.Nodes))
	}
}

// TestServersPickTheServersAsked: servers: narrows a root list to the
// servers named; a name that is none, or a cursor of another list, is the
// client's mistake.
func TestServersPickTheServersAsked(t *testing.T) {
	t.Parallel()
	g := fleet(t, false)
	p := sessionPageOf(t, g, map[string]any{"first": 20, "servers": []string{"west"}}).JobSessions
	if len(p.Nodes) != 20 || p.TotalCount == nil || *p.TotalCount != 12*6 {
		t.Fatalf("west alone: %d nodes of %v", len(p.Nodes), p.TotalCount)
	}
	two := sessionPageOf(t, g, map[string]any{"first": 1, "servers": []string{"west", "east"}}).JobSessions
	if two.TotalCount == nil || *two.TotalCount != 2*12*6 {
		t.Errorf("east and west, which tell their totals: totalCount %v", two.TotalCount)
	}
	for _, n := range p.Nodes {
		if n.Server.Name != "west" {
			t.Errorf("west alone gave a session of %s", n.Server.Name)
		}
	}
	// Proxy pools came with v8: the v3 and v6 servers have none, which is
	// no error while another server has them; asked of a v3 server alone, it is.
	r := g.Do(t, `{ proxyPools(first: 10) { nodes { name server { name } } } }`, nil)
	if len(r.Errors) > 0 || string(r.Data) != `{"proxyPools":{"nodes":[{"name":"Contoso pool","server":{"name":"north"}}]}}` {
		t.Errorf("proxy pools of the fleet: %s", r.Raw)
	}
	r = g.Do(t, `{ proxyPools(first: 10, servers: ["east", "west"]) { nodes { name } } }`, nil)
	if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "NOT_SUPPORTED_BY_VERSION" {
		t.Errorf("proxy pools of v3 and v6 servers: %s", r.Raw)
	}

	all := sessionPageOf(t, g, map[string]any{"first": 5}).JobSessions
	for _, vars := range []map[string]any{
		{"first": 5, "servers": []string{"south"}},
		{"first": 5, "servers": []string{"west"}, "after": *all.PageInfo.EndCursor},
		{"first": 5, "after": "bm90IGEgY3Vyc29y"},
	} {
		r := g.Do(t, qSessionPage, vars)
		if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "BAD_USER_INPUT" {
			t.Errorf("%v: %s, want BAD_USER_INPUT", vars, r.Raw)
		}
	}
}

// callsOn counts each server's upstream calls (logins aside) during do.
func callsOn(g *testenv.Gateway, do func()) map[string]int {
	for _, e := range g.Envs {
		e.Sim.ResetCalls()
	}
	do()
	out := map[string]int{}
	for _, e := range g.Envs {
		c := e.Sim.Calls()
		delete(c, "POST /Token")
		out[e.Client.Name()] = testenv.Total(c)
	}
	return out
}

// TestLookupAsksTheServerThatHasIt: an id never seen is looked for on
// every server at once; once known (found, or listed), a lookup asks its
// server alone, and what hangs off the item is asked of that server.
func TestLookupAsksTheServerThatHasIt(t *testing.T) {
	t.Parallel()
	// West, which has the session, answers last: every server is asked
	// before the answer is found (a server not yet asked then never is).
	g := fleetWith(t, true, nil, func(o *testenv.Options) {
		if o.Name == "west" {
			o.Latency = 50 * time.Millisecond
		}
	})
	west := g.Envs[1]
	id := west.Sim.SessionIDs()[3]
	q := `query($id: ID!) { jobSession(id: $id) { id server { name } job { name server { name version } } } }`
	var r testenv.Response
	calls := callsOn(g, func() { r = g.Do(t, q, map[string]any{"id": id}) })
	if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"server":{"name":"west","version":"v6"}`) {
		t.Fatalf("%s", r.Raw)
	}
	if calls["east"] != 1 || calls["north"] != 1 || calls["west"] != 2 {
		t.Errorf("an unknown id cost %v, want one lookup on each server and the job on west", calls)
	}
	calls = callsOn(g, func() { r = g.Do(t, q, map[string]any{"id": id}) })
	if len(r.Errors) > 0 || fmt.Sprint(calls) != "map[east:0 north:0 west:2]" {
		t.Errorf("a known id cost %v, want west alone (session and job): %s", calls, r.Raw)
	}

	listed := sessionPageOf(t, g, map[string]any{"first": 30}).JobSessions.Nodes[29]
	calls = callsOn(g, func() { r = g.Do(t, `query($id: ID!) { jobSession(id: $id) { id } }`, map[string]any{"id": listed.ID}) })
	if len(r.Errors) > 0 || calls[listed.Server.Name] != 1 || testenv.Total(calls) != 1 {
		t.Errorf("a listed session of %s cost %v, want one call there", listed.Server.Name, calls)
	}

	r = g.Do(t, `{ jobSession(id: "00000000-0000-4000-8000-000000000000") { id } }`, nil)
	if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "NOT_FOUND" {
		t.Errorf("an id on no server: %s", r.Raw)
	}
}

// TestAStoppedServerLeavesTheOthers: a server that stops in the middle of a
// walk leaves its items out, with an error that names it; the others'
// items come, the walk goes on, and the server's status says it is down.
func TestAStoppedServerLeavesTheOthers(t *testing.T) {
	t.Parallel()
	g := fleet(t, true)
	page1 := sessionPageOf(t, g, map[string]any{"first": 30}).JobSessions
	g.Envs[2].Upstream.Close() // north stops

	start := time.Now()
	r := g.Do(t, qSessionPage, map[string]any{"first": 30, "after": *page1.PageInfo.EndCursor})
	took := time.Since(start)
	if len(r.Errors) != 1 || r.Errors[0].Extensions["server"] != "north" || r.Errors[0].Extensions["code"] != "UPSTREAM_UNAVAILABLE" ||
		!strings.HasPrefix(r.Errors[0].Message, "north: ") {
		t.Fatalf("page 2 without north: %s", r.Raw)
	}
	var p sessionPage
	if err := json.Unmarshal(r.Data, &p); err != nil {
		t.Fatal(err)
	}
	if len(p.JobSessions.Nodes) != 30 || p.JobSessions.TotalCount != nil {
		t.Errorf("page 2: %d sessions, totalCount %v; want 30 from east and west, no total", len(p.JobSessions.Nodes), p.JobSessions.TotalCount)
	}
	for _, n := range p.JobSessions.Nodes {
		if n.Server.Name == "north" {
			t.Errorf("a session of the stopped server: %v", n)
		}
	}
	t.Logf("page 2 with a server stopped: %v", took)

	// The walk goes on to the end: every session of east and west once.
	seen := map[string]int{}
	for _, n := range append(page1.Nodes, p.JobSessions.Nodes...) {
		seen[n.Server.Name+"/"+n.ID]++
	}
	after := p.JobSessions.PageInfo
	for after.HasNextPage {
		r := g.Do(t, qSessionPage, map[string]any{"first": 30, "after": *after.EndCursor})
		var next sessionPage
		if err := json.Unmarshal(r.Data, &next); err != nil || len(r.Errors) != 1 {
			t.Fatalf("walking on without north: %s", r.Raw)
		}
		for _, n := range next.JobSessions.Nodes {
			seen[n.Server.Name+"/"+n.ID]++
		}
		after = next.JobSessions.PageInfo
	}
	for _, e := range g.Envs[:2] {
		for _, id := range e.Sim.SessionIDs() {
			if k := e.Client.Name() + "/" + id; seen[k] != 1 {
				t.Errorf("%s seen %d times in the walk", k, seen[k])
			}
		}
	}

	r = g.Do(t, `{ servers { name status lastError version } }`, nil)
	want := `{"servers":[{"name":"east","status":"UP","lastError":null,"version":"v3"},{"name":"west","status":"UP","lastError":null,"version":"v6"},` +
		`{"name":"north","status":"DOWN","lastError":"the upstream is unreachable","version":"v8"}]}`
	if string(r.Data) != want {
		t.Errorf("servers:\n got %s\nwant %s", r.Data, want)
	}

	// All stopped: each is named once, and there is nothing else to say.
	g.Envs[0].Upstream.Close()
	g.Envs[1].Upstream.Close()
	r = g.Do(t, qSessionPage, map[string]any{"first": 30})
	var named []string
	for _, e := range r.Errors {
		named = append(named, fmt.Sprint(e.Extensions["server"]))
	}
	if string(r.Data) != "null" || strings.Join(named, ",") != "east,west,north" {
		t.Errorf("every server stopped: %s", r.Raw)
	}
}

// TestActionsGoToTheJobsServer: a job action reaches the server that has
// the job, and no other.
func TestActionsGoToTheJobsServer(t *testing.T) {
	t.Parallel()
	g := fleetWith(t, true, func(o *testenv.Options) { o.Operators = true }, nil)
	north := g.Envs[2]
	var job string
	r := g.Do(t, `{ jobs(first: 50, servers: ["north"]) { nodes { id isEnabled lastStatus } } }`, nil)
	var data struct {
		Jobs struct {
			Nodes []struct {
				ID, LastStatus string
				IsEnabled      bool
			}
		}
	}
	if err := json.Unmarshal(r.Data, &data); err != nil {
		t.Fatal(err)
	}
	for _, j := range data.Jobs.Nodes {
		if j.IsEnabled && j.LastStatus != "RUNNING" {
			job = j.ID
			break
		}
	}
	r = g.Do(t, `mutation($id: ID!) { startJob(input: {id: $id}) { job { id server { name } } session { id server { name } } } }`, map[string]any{"id": job})
	if len(r.Errors) > 0 || strings.Count(string(r.Data), `"server":{"name":"north"}`) != 2 {
		t.Fatalf("%s", r.Raw)
	}
	for _, e := range g.Envs {
		if n := len(e.Sim.Actions()); (e == north) != (n == 1) || n > 1 {
			t.Errorf("%s saw %d actions", e.Client.Name(), n)
		}
	}
}

// TestEntitiesAndSubscriptionsFindTheirServer: _entities resolves each
// representation on the server that has it, batched per server; a
// subscription follows a session on its own server.
func TestEntitiesAndSubscriptionsFindTheirServer(t *testing.T) {
	t.Parallel()
	g := fleet(t, true)
	east, north := g.Envs[0].Sim.SessionIDs()[2], g.Envs[2].Sim.SessionIDs()[4]
	r := g.Do(t, `query($r: [_Any!]!) { _entities(representations: $r) { ... on JobSession { id server { name } } } }`,
		map[string]any{"r": []map[string]any{{"__typename": "JobSession", "id": north}, {"__typename": "JobSession", "id": east}}})
	want := fmt.Sprintf(`{"_entities":[{"id":"%s","server":{"name":"north"}},{"id":"%s","server":{"name":"east"}}]}`, north, east)
	if len(r.Errors) > 0 || string(r.Data) != want {
		t.Errorf("_entities:\n got %s\nwant %s", r.Raw, want)
	}

	live := sessionPageOf(t, g, map[string]any{"first": 1, "servers": []string{"west"}}) // the newest: running
	running := live.JobSessions.Nodes[0].ID
	events := testenv.Subscribe(t, g.URL+"/graphql", `subscription { jobSessionUpdated(id: "`+running+`") { id status server { name } } }`)
	for events.Scan() {
		if line := events.Text(); strings.HasPrefix(line, "data: ") {
			if !strings.Contains(line, `"status":"RUNNING","server":{"name":"west"}`) {
				t.Errorf("first event: %s", line)
			}
			return
		}
	}
	t.Fatal("no event")
}

// claiming makes a server answer as if one of its own jobs (its id mine)
// had the id theirs: a hostile or misconfigured server that lists another
// server's job id, answers lookups of it and takes actions on it.
func claiming(mine, theirs string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.URL.Path = strings.ReplaceAll(r.URL.Path, theirs, mine)
			r.URL.RawQuery = strings.ReplaceAll(r.URL.RawQuery, theirs, mine)
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.Header().Del("Content-Length")
			w.WriteHeader(rec.Code)
			_, _ = w.Write([]byte(strings.ReplaceAll(rec.Body.String(), mine, theirs)))
		})
	}
}

// TestAServerCannotClaimAnothersIDs: a server that lists another server's
// job id neither takes over its lookups nor receives its actions, in
// whichever order the servers were seen: the id is ambiguous, named as such
// with both servers, until the client names the server it means.
func TestAServerCannotClaimAnothersIDs(t *testing.T) {
	t.Parallel()
	for _, hostileFirst := range []bool{false, true} {
		t.Run(fmt.Sprintf("hostile listed first: %v", hostileFirst), func(t *testing.T) {
			var westJob string
			g := fleetWith(t, true, func(o *testenv.Options) { o.Operators = true }, func(o *testenv.Options) {
				if o.Name == "north" {
					west := testenv.New(t, testenv.Options{Name: "west", Version: 6, Sim: func(o *vb365sim.Options) { o.SessionsPerJob = 6 }})
					westJob = west.Sim.JobIDs()[1]
					northSim := vb365sim.New(vb365sim.Options{Version: 8, Seed: "north", SessionsPerJob: 6})
					o.Wrap = claiming(northSim.JobIDs()[1], westJob)
				}
			})
			if westJob != g.Envs[1].Sim.JobIDs()[1] {
				t.Fatal("the simulators' ids are not what the test expects")
			}
			servers := []string{"west", "north"}
			if hostileFirst {
				servers = []string{"north"}
			}
			r := g.Do(t, `query($s: [String!]) { jobs(first: 100, servers: $s) { nodes { id server { name } } } }`, map[string]any{"s": servers})
			if claimed := strings.Count(string(r.Data), westJob); len(r.Errors) > 0 || claimed != len(servers) {
				t.Fatalf("the job is listed %d times, want %d: %.300s", claimed, len(servers), r.Raw)
			}

			ambiguous := func(r testenv.Response) bool {
				return len(r.Errors) == 1 && r.Errors[0].Extensions["code"] == "AMBIGUOUS_ID" &&
					fmt.Sprint(r.Errors[0].Extensions["servers"]) == "[north west]" && strings.Contains(r.Errors[0].Message, "north, west")
			}
			if !hostileFirst {
				if r := g.Do(t, `query($id: ID!) { job(id: $id) { id server { name } } }`, map[string]any{"id": westJob}); !ambiguous(r) {
					t.Errorf("a lookup of the claimed id: %s", r.Raw)
				}
			}
			for _, m := range []string{"startJob", "disableJob"} {
				r := g.Do(t, fmt.Sprintf(`mutation($id: ID!) { %s(input: {id: $id}) { job { id } } }`, m), map[string]any{"id": westJob})
				if !ambiguous(r) {
					t.Errorf("%s on the claimed id: %s", m, r.Raw)
				}
			}
			for _, e := range g.Envs {
				if n := len(e.Sim.Actions()); n > 0 {
					t.Errorf("%s received %d actions on an ambiguous id", e.Client.Name(), n)
				}
			}

			// Named, the action goes to the server named, and to no other.
			r = g.Do(t, `mutation($id: ID!) { disableJob(input: {id: $id, server: "west"}) { job { id isEnabled server { name } } } }`, map[string]any{"id": westJob})
			if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"isEnabled":false,"server":{"name":"west"}`) {
				t.Errorf("disableJob on west by name: %s", r.Raw)
			}
			if r := g.Do(t, `query($id: ID!) { job(id: $id, server: "west") { server { name } } }`, map[string]any{"id": westJob}); len(r.Errors) > 0 {
				t.Errorf("a lookup by name: %s", r.Raw)
			}
			for i, e := range g.Envs {
				if n := len(e.Sim.Actions()); n != map[int]int{1: 1}[i] {
					t.Errorf("%s received %d actions", e.Client.Name(), n)
				}
			}

			// The server that had the id stops answering: the one that
			// claims it does not get its actions either.
			g.Envs[1].Upstream.Close()
			r = g.Do(t, `mutation($id: ID!) { enableJob(input: {id: $id}) { job { id } } }`, map[string]any{"id": westJob})
			if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "AMBIGUOUS_ID" || !strings.Contains(r.Errors[0].Message, "which does not answer now") {
				t.Errorf("enableJob while the job's server is down: %s", r.Raw)
			}
			if n := len(g.Envs[2].Sim.Actions()); n > 0 {
				t.Errorf("north received %d actions while west was down", n)
			}
		})
	}
}

// TestUnknownIDsAreAskedOnce: a representation whose id's server is not
// known costs a call per server, and --max-entities bounds those calls, not
// the representations; ids no server had are remembered a while, so that
// the same ids at once again cost no call.
func TestUnknownIDsAreAskedOnce(t *testing.T) {
	t.Parallel()
	unknown := make([]map[string]any, 100)
	for i := range unknown {
		unknown[i] = map[string]any{"__typename": "JobSession", "id": fmt.Sprintf("00000000-0000-4000-8000-%012d", i)}
	}
	const q = `query($r: [_Any!]!) { _entities(representations: $r) { ... on JobSession { id } } }`
	send := func(g *testenv.Gateway, reps []map[string]any) (testenv.Response, int) {
		var r testenv.Response
		calls := callsOn(g, func() { r = g.Do(t, q, map[string]any{"r": reps}) })
		return r, testenv.Total(calls)
	}

	g := fleet(t, true) // --max-entities 100
	if r, calls := send(g, unknown); calls != 0 || len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "COMPLEXITY_LIMIT_EXCEEDED" ||
		!strings.Contains(r.Errors[0].Message, "300 upstream calls") {
		t.Errorf("100 unknown ids over 3 servers: %d calls, %.300s; want refused, as 300 calls, before any", calls, r.Raw)
	}
	r, calls := send(g, unknown[:33])
	if calls != 99 || len(r.Errors) != 33 {
		t.Errorf("33 unknown ids: %d calls, %d errors; want 99 calls (one per id per server), 33 NOT_FOUND", calls, len(r.Errors))
	}
	if r, again := send(g, unknown[:33]); again != 0 || len(r.Errors) != 33 || r.Errors[0].Extensions["code"] != "NOT_FOUND" {
		t.Errorf("the same 33 again: %d calls, %.200s; want none, and NOT_FOUND each", again, r.Raw)
	}
	r, calls = send(g, unknown[:34]) // the 34th is new: on 3 servers, the others on none
	if calls != 3 {
		t.Errorf("33 known absent and 1 new: %d calls, want 3", calls)
	}

	// Ids whose server is known cost one call each: 100 fit.
	var known []map[string]any
	for _, e := range g.Envs {
		for _, id := range e.Sim.SessionIDs()[:33] {
			known = append(known, map[string]any{"__typename": "JobSession", "id": id})
		}
	}
	sessionPageOf(t, g, map[string]any{"first": 1000}) // lists, and so places, every session
	if r, calls := send(g, append(known, unknown[:1]...)); calls != 99 || len(r.Errors) != 1 {
		t.Errorf("99 known ids and 1 absent: %d calls, %.300s; want 99", calls, r.Raw)
	}

	// The figure the issue asks for: 100 unknown ids sent twice over three
	// servers, where the limit lets them through.
	g = fleetWith(t, true, func(o *testenv.Options) {
		o.Handler = func(h *graphqlhttp.Options) { h.Limits.MaxEntities = 300 }
	}, nil)
	_, first := send(g, unknown)
	_, second := send(g, unknown)
	if first != 300 || second != 0 {
		t.Errorf("100 unknown ids twice, --max-entities 300: %d then %d calls, want 300 then 0", first, second)
	}
	t.Logf("100 unknown ids over 3 servers, sent twice (--max-entities 300): %d then %d upstream calls", first, second)

	// A lookup by id is priced the same way: an unknown one once per server.
	_, calls = callsOnDo(t, g, `{ jobSession(id: "00000000-0000-4000-8000-999999999999") { id } }`)
	_, again := callsOnDo(t, g, `{ jobSession(id: "00000000-0000-4000-8000-999999999999") { id } }`)
	if calls != 3 || again != 0 {
		t.Errorf("an unknown jobSession(id:) twice: %d then %d calls, want 3 then 0", calls, again)
	}
}

func callsOnDo(t *testing.T, g *testenv.Gateway, q string) (testenv.Response, int) {
	var r testenv.Response
	calls := callsOn(g, func() { r = g.Do(t, q, nil) })
	return r, testenv.Total(calls)
}

// TestASilentServerDoesNotHoldTheOthers: a server that never answers costs
// a merged page, or a lookup asked of every server, the server deadline, not
// the request's: the others' items arrive, with an error naming the silent one.
func TestASilentServerDoesNotHoldTheOthers(t *testing.T) {
	stop := make(chan struct{})
	// The gateway logs in on first use: at start it would wait out the
	// silent server's login (the upstream timeout) before serving at all.
	g := fleetWith(t, true, func(o *testenv.Options) {
		o.DeferLogin = true
		o.Handler = func(h *graphqlhttp.Options) { h.ServerTimeout = 300 * time.Millisecond }
	}, func(o *testenv.Options) {
		if o.Name == "north" {
			o.Wrap = func(http.Handler) http.Handler {
				return http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
					select {
					case <-r.Context().Done():
					case <-stop:
					}
				})
			}
		}
	})
	t.Cleanup(func() { close(stop) })
	start := time.Now()
	r := g.Do(t, qSessionPage, map[string]any{"first": 30})
	took := time.Since(start)
	var p sessionPage
	if err := json.Unmarshal(r.Data, &p); err != nil || len(p.JobSessions.Nodes) != 30 {
		t.Fatalf("a page without north: %s", r.Raw)
	}
	if len(r.Errors) != 1 || r.Errors[0].Extensions["server"] != "north" || r.Errors[0].Extensions["code"] != "UPSTREAM_TIMEOUT" {
		t.Errorf("the silent server's error: %s", r.Raw)
	}
	if took > 5*time.Second { // the request's own deadline is 30s
		t.Errorf("the page took %v, with a server deadline of 300ms", took)
	}
	t.Logf("a merged page with one server silent: %v", took)

	start = time.Now()
	r = g.Do(t, `query($id: ID!) { jobSession(id: $id) { id server { name } } }`, map[string]any{"id": g.Envs[0].Sim.SessionIDs()[7]})
	if !strings.Contains(string(r.Data), `"server":{"name":"east"}`) || time.Since(start) > 5*time.Second {
		t.Errorf("a lookup asked of every server, one silent, took %v: %s", time.Since(start), r.Raw)
	}
}
