package upstream_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
	"github.com/vb365-graphql/vb365-graphql/upstream"
	"github.com/vb365-graphql/vb365-graphql/upstream/vb365sim"
)

var anchor = testenv.Anchor

// newPair starts the simulator of one API version and a client of it as the
// service account, with sharing off: these tests count the calls each
// method makes.
func newPair(t testing.TB, version int, tweak func(*upstream.Options)) (*vb365sim.Server, *upstream.Client) {
	t.Helper()
	env := testenv.New(t, testenv.Options{Version: version, Client: func(o *upstream.Options) {
		o.Sharing.Off = true
		if tweak != nil {
			tweak(o)
		}
	}})
	return env.Sim, env.Client
}

// none is the scope of a call made outside any operation, with the service
// account's credentials.
func none(c *upstream.Client) *upstream.Scope { return c.NewScope("") }

func TestEveryVersionReadsTheSameModel(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for v := upstream.MinVersion; v <= upstream.MaxVersion; v++ {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			sim, c := newPair(t, v, nil)
			ids := sim.SessionIDs()
			s, err := c.JobSession(ctx, none(c), ids[5])
			if err != nil {
				t.Fatal(err)
			}
			if s.ID != ids[5] || s.JobID == nil || *s.JobID != sim.JobOf(ids[5]) {
				t.Errorf("session %+v: want id %s job %s", s, ids[5], sim.JobOf(ids[5]))
			}
			if s.Statistics == nil || s.Statistics.ProcessedObjects == 0 || s.CreationTime.IsZero() || s.EndTime == nil {
				t.Errorf("session lacks data: %+v %+v", s, s.Statistics)
			}
			// A live session is running at the anchor on every version.
			live, err := c.JobSession(ctx, none(c), sim.LiveSessionIDs()[0])
			if err != nil || live.Status != upstream.StatusRunning || live.EndTime != nil {
				t.Errorf("live session: %+v, %v", live, err)
			}

			j, err := c.Job(ctx, none(c), *s.JobID)
			if err != nil || j.Name == "" || j.SchedulePolicy == nil || j.LastStatus == nil {
				t.Fatalf("job: %+v, %v", j, err)
			}

			// Walk the whole listing in pages of 40: no gap, no duplicate.
			var walked []string
			for offset := 0; ; offset += 40 {
				p, err := c.JobSessions(ctx, none(c), upstream.SessionFilter{}, upstream.PageRequest{Offset: offset, Limit: 40})
				if err != nil {
					t.Fatal(err)
				}
				for _, it := range p.Items {
					walked = append(walked, it.ID)
				}
				if (v <= 7) != (p.Total != nil) {
					t.Errorf("offset %d: totalCount %v, want it only up to v7", offset, p.Total)
				}
				if !p.HasMore {
					break
				}
			}
			if strings.Join(walked, ",") != strings.Join(ids, ",") {
				t.Errorf("walked %d sessions, want the %d of the simulator in order", len(walked), len(ids))
			}

			// One job's sessions: /Jobs/{id}/JobSessions up to v6, /JobSessions?jobId= after.
			sim.ResetCalls()
			p, err := c.JobSessions(ctx, none(c), upstream.SessionFilter{JobID: *s.JobID}, upstream.PageRequest{Limit: 5})
			if err != nil || len(p.Items) != 5 || !p.HasMore {
				t.Fatalf("job sessions: %d items, more=%v, %v", len(p.Items), p.HasMore, err)
			}
			for _, it := range p.Items {
				if *it.JobID != *s.JobID {
					t.Errorf("session %s belongs to %s", it.ID, *it.JobID)
				}
			}
			wantRoute := "GET /JobSessions"
			if v <= 6 {
				wantRoute = "GET /Jobs/{id}/JobSessions"
			}
			if calls := sim.Calls(); calls[wantRoute] != 1 || sim.DataCalls() != 1 {
				t.Errorf("job sessions went to %v, want one %s", calls, wantRoute)
			}

			log, err := c.LogItems(ctx, none(c), ids[5], upstream.PageRequest{Limit: 2})
			if err != nil || len(log.Items) != 2 || !log.HasMore {
				t.Fatalf("log: %+v, %v", log, err)
			}
			first := log.Items[0]
			if first.Usn != 1 || first.Type != upstream.LogSuccess || !strings.HasPrefix(first.Title, "[Success] Job started") || first.Message == "" {
				t.Errorf("log item: %+v", first)
			}

			jobs, err := c.Jobs(ctx, none(c))
			if err != nil || len(jobs) != len(sim.JobIDs()) || jobs[3].ID != sim.JobIDs()[3] {
				t.Errorf("jobs: %d of %d, %v", len(jobs), len(sim.JobIDs()), err)
			}
		})
	}
}

func TestOneLoginServesManyCalls(t *testing.T) {
	t.Parallel()
	sim, c := newPair(t, 8, nil)
	ctx := context.Background()
	var wg sync.WaitGroup
	for _, id := range sim.SessionIDs()[:20] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.JobSession(ctx, none(c), id); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := sim.Calls()["POST /Token"]; n != 1 {
		t.Errorf("20 concurrent calls made %d logins, want 1", n)
	}
	// A token the server no longer honours is renewed once and the call retried.
	sim.ExpireTokens()
	sim.ResetCalls()
	if _, err := c.JobSession(ctx, none(c), sim.SessionIDs()[0]); err != nil {
		t.Fatal(err)
	}
	if calls := sim.Calls(); calls["POST /Token"] != 1 || calls["GET /JobSessions/{id}"] != 2 {
		t.Errorf("after expiry: %v, want one login and one retried GET", calls)
	}
}

func TestWrongPasswordIsUnauthenticated(t *testing.T) {
	t.Parallel()
	_, c := newPair(t, 6, func(o *upstream.Options) { o.Password = "wrong" })
	err := c.Login(context.Background())
	if upstream.KindOf(err) != upstream.KindUnauthenticated {
		t.Fatalf("got %v, want an unauthenticated error", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Errorf("error shows the password: %v", err)
	}
}

func TestPassThroughUsesTheCallersHeader(t *testing.T) {
	t.Parallel()
	sim, c := newPair(t, 8, func(o *upstream.Options) { o.Username, o.Password = "", "" })
	ctx := context.Background()
	if _, err := c.JobSession(ctx, none(c), sim.SessionIDs()[0]); upstream.KindOf(err) != upstream.KindUnauthenticated {
		t.Fatalf("no caller header: got %v, want unauthenticated", err)
	}
	if sim.DataCalls() != 0 {
		t.Errorf("a call without credentials reached the upstream: %v", sim.Calls())
	}
	// Log in as a caller would, then pass that token through.
	caller := c.NewScope("Bearer " + loginToken(t, sim))
	if _, err := c.JobSession(ctx, caller, sim.SessionIDs()[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := c.JobSession(ctx, c.NewScope("Bearer nope"), sim.SessionIDs()[0]); upstream.KindOf(err) != upstream.KindUnauthenticated {
		t.Errorf("bad caller token: got %v, want unauthenticated", err)
	}
	if sim.Calls()["POST /Token"] != 1 {
		t.Errorf("pass-through mode logged in itself: %v", sim.Calls())
	}
}

// loginToken gets an access token from the simulator the way a caller would.
func loginToken(t *testing.T, sim *vb365sim.Server) string {
	t.Helper()
	ts := httptest.NewServer(sim)
	defer ts.Close()
	user, pass := sim.Credentials()
	form := "grant_type=password&username=" + strings.ReplaceAll(user, `\`, "%5C") + "&password=" + pass
	resp, err := http.Post(ts.URL+"/v8/token", "application/x-www-form-urlencoded", strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	body := string(raw)
	i := strings.Index(body, `"access_token":"`)
	if i < 0 {
		t.Fatalf("no token in %s", body)
	}
	rest := body[i+len(`"access_token":"`):]
	return rest[:strings.IndexByte(rest, '"')]
}

func TestIdsAreValidatedBeforeAnyCall(t *testing.T) {
	t.Parallel()
	sim, c := newPair(t, 8, nil)
	ctx := context.Background()
	for _, id := range []string{"../Jobs", "a8cf9a63-64c3-4748-9c95-b1fbac0cce1d/../../x", "", "a8cf9a63 64c3", "%2e%2e"} {
		if _, err := c.JobSession(ctx, none(c), id); !errors.Is(err, upstream.ErrInvalidID) {
			t.Errorf("JobSession(%q): %v, want an invalid id", id, err)
		}
		if _, err := c.LogItems(ctx, none(c), id, upstream.PageRequest{}); !errors.Is(err, upstream.ErrInvalidID) {
			t.Errorf("LogItems(%q): %v, want an invalid id", id, err)
		}
	}
	if sim.DataCalls() != 0 {
		t.Errorf("invalid ids reached the upstream: %v", sim.Calls())
	}
	_, err := c.JobSession(ctx, none(c), "00000000-0000-0000-0000-000000000000")
	if upstream.KindOf(err) != upstream.KindNotFound {
		t.Errorf("unknown id: %v, want not found", err)
	}
}

func TestJobsByIDBatches(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, v := range []int{3, 6, 8} {
		sim, c := newPair(t, v, nil)
		ids := sim.JobIDs()[:12]
		jobs, errs := c.JobsByID(ctx, none(c), ids)
		for i := range ids {
			if errs[i] != nil || jobs[i] == nil || jobs[i].ID != ids[i] {
				t.Fatalf("v%d job %d: %+v %v", v, i, jobs[i], errs[i])
			}
		}
		if calls := sim.Calls(); calls["GET /Jobs"] != 1 || sim.DataCalls() != 1 {
			t.Errorf("v%d: 12 jobs cost %v, want one listing", v, calls)
		}
	}

	// Without the listing, the GETs run concurrently, within the bound.
	env := testenv.New(t, testenv.Options{Latency: 20 * time.Millisecond, Client: func(o *upstream.Options) {
		o.MaxConcurrency, o.Sharing.Off, o.ListThreshold = 4, true, 0
	}})
	sim, c := env.Sim, env.Client
	_ = c.Login(ctx)
	sim.ResetCalls()
	_, errs := c.JobsByID(ctx, none(c), sim.JobIDs())
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := sim.Calls()["GET /Jobs/{id}"]; n != 12 {
		t.Errorf("%d job GETs, want 12", n)
	}
	if m := sim.MaxInFlight(); m < 2 || m > 4 {
		t.Errorf("at most %d calls were in flight at once, want 2..4 (concurrent, bounded by 4)", m)
	}

	// Two batches of one operation share the operation's bound.
	sim.ResetCalls()
	scope := c.NewScope("")
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() { defer wg.Done(); c.JobsByID(ctx, scope, sim.JobIDs()) }()
	}
	wg.Wait()
	// (and, sharing being off, the second batch's identical GETs join the first's).
	if n, m := sim.Calls()["GET /Jobs/{id}"], sim.MaxInFlight(); n != 12 || m > 4 {
		t.Errorf("two batches in one request: %d GETs, %d at once; want 12, at most 4", n, m)
	}
}

func TestOptionsAreChecked(t *testing.T) {
	t.Parallel()
	with := func(change func(*upstream.Options)) upstream.Options {
		o := upstream.DefaultOptions("https://vbo.example:4443", 8)
		change(&o)
		return o
	}
	bad := []upstream.Options{
		with(func(o *upstream.Options) { o.BaseURL = "vbo.example:4443" }),
		with(func(o *upstream.Options) { o.BaseURL = "https://vbo.example:4443/v8" }),
		with(func(o *upstream.Options) { o.BaseURL = "https://user:pw@vbo.example:4443" }),
		with(func(o *upstream.Options) { o.BaseURL = "https://vbo.example:4443/?token=pw@" }),
		with(func(o *upstream.Options) { o.Version = 2 }),
		with(func(o *upstream.Options) { o.Username = "u" }),
		with(func(o *upstream.Options) { o.Retries = -1 }),
		with(func(o *upstream.Options) { o.Timeout = 0 }),
		with(func(o *upstream.Options) { o.Sharing.FinalTTL = 0 }),
		{BaseURL: "https://vbo.example:4443", Version: 8}, // no defaults: zero means nothing here
	}
	if _, err := upstream.New(upstream.DefaultOptions("https://vbo.example:4443", 8)); err != nil {
		t.Errorf("the defaults: %v", err)
	}
	for _, o := range bad {
		if _, err := upstream.New(o); err == nil {
			t.Errorf("%+v accepted", o)
		} else if strings.Contains(err.Error(), "pw@") {
			t.Errorf("error shows the password: %v", err)
		}
	}
}

func TestTokenLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, v := range []int{5, 6, 7, 8} {
		clk := testenv.NewClock()
		sim := vb365sim.New(vb365sim.Options{Version: v, Anchor: anchor, Now: clk.Now, TokenLifetime: 10 * time.Minute})
		ts := httptest.NewServer(sim)
		opts := upstream.DefaultOptions(ts.URL, v)
		opts.Username, opts.Password = sim.Credentials()
		opts.Now = clk.Now
		c, err := upstream.New(opts)
		if err != nil {
			t.Fatal(err)
		}
		id := sim.SessionIDs()[0]
		if _, err := c.JobSession(ctx, none(c), id); err != nil {
			t.Fatal(err)
		}
		clk.Add(7 * time.Minute) // still valid, not yet due for renewal
		if _, err := c.JobSession(ctx, none(c), id); err != nil {
			t.Fatal(err)
		}
		clk.Add(2*time.Minute + 30*time.Second) // in its last minute: renew first
		if _, err := c.JobSession(ctx, none(c), id); err != nil {
			t.Fatal(err)
		}
		want := []string{"password", "refresh_token"}
		if v >= 7 {
			want = []string{"password (antiforgery off)", "refresh_token (antiforgery off)"}
		}
		if got := sim.Grants(); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("v%d: token requests %q, want %q", v, got, want)
		}
		if n := sim.Calls()["GET /JobSessions/{id}"]; n != 3 {
			t.Errorf("v%d: %d session GETs, want 3 (no call may be refused for an old token)", v, n)
		}
		if err := c.Logout(ctx); err != nil {
			t.Errorf("v%d: logout: %v", v, err)
		}
		if n, want := sim.Calls()["POST /Token/logout"], map[bool]int{true: 1}[v >= 7]; n != want {
			t.Errorf("v%d: %d logouts, want %d", v, n, want)
		}
		ts.Close()
	}
}
