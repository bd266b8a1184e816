package exports_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vb365-graphql/vb365-graphql/exports"
	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
)

func newExports(t *testing.T, o exports.Options) *exports.Exports {
	t.Helper()
	if o.Dir == "" {
		o.Dir = t.TempDir()
	}
	o.Quota = max(o.Quota, 1)
	if o.TTL == 0 {
		o.TTL = time.Hour
	}
	if o.LinkTTL == 0 {
		o.LinkTTL = time.Minute
	}
	o.Concurrency = max(o.Concurrency, 1)
	x, err := exports.New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(x.Close)
	return x
}

func body(s string) func(context.Context) (io.ReadCloser, error) {
	return func(context.Context) (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(s)), nil }
}

// await follows an export until it is no longer QUEUED or RUNNING.
func await(t *testing.T, x *exports.Exports, id, owner string) exports.Export {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	states, ok := x.Watch(ctx, id, owner)
	if !ok {
		t.Fatalf("no export %s of %s", id, owner)
	}
	for e := range states {
		if e.State != exports.Queued && e.State != exports.Running {
			return e
		}
	}
	t.Fatal("the export never finished")
	return exports.Export{}
}

// TestExportsKeepToTheirQuota: an export that would pass the spool's quota
// fails, says why, and leaves no file; one that fits is READY.
func TestExportsKeepToTheirQuota(t *testing.T) {
	dir := t.TempDir()
	x := newExports(t, exports.Options{Dir: dir, Quota: 10})
	big := x.Start(exports.Export{Owner: "alice", FileName: "a.pst"}, body("more than ten bytes"))
	if e := await(t, x, big.ID, "alice"); e.State != exports.Failed || e.Error != exports.ErrSpoolFull.Error() || e.Bytes != 0 {
		t.Errorf("over the quota: %+v", e)
	}
	small := x.Start(exports.Export{Owner: "alice", FileName: "b.pst"}, body("ten bytes!"))
	if e := await(t, x, small.ID, "alice"); e.State != exports.Ready || e.Bytes != 10 {
		t.Errorf("within the quota: %+v", e)
	}
	files, _ := os.ReadDir(dir)
	if len(files) != 1 {
		t.Errorf("the spool holds %d files, want the ready one", len(files))
	}
}

// TestAFailedFetchSaysWhy: an upstream that fails gives a FAILED export
// whose error says nothing of paths or the upstream's words.
func TestAFailedFetchSaysWhy(t *testing.T) {
	x := newExports(t, exports.Options{Quota: 1 << 20})
	e := x.Start(exports.Export{Owner: "alice"}, func(context.Context) (io.ReadCloser, error) {
		return nil, errors.New(`open /secret/path: the server said "db password wrong"`)
	})
	if e := await(t, x, e.ID, "alice"); e.State != exports.Failed || strings.Contains(e.Error, "secret") || e.Error == "" {
		t.Errorf("%+v", e)
	}
}

// TestExportsExpire: at expiry the file is deleted, the export EXPIRED, and
// its quota free again.
func TestExportsExpire(t *testing.T) {
	dir := t.TempDir()
	x := newExports(t, exports.Options{Dir: dir, Quota: 10, TTL: time.Second})
	e := x.Start(exports.Export{Owner: "alice"}, body("0123456789"))
	if e := await(t, x, e.ID, "alice"); e.State != exports.Ready {
		t.Fatalf("%+v", e)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, _ := x.Get(e.ID, "alice")
		if got.State == exports.Expired {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("never expired: %+v", got)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Errorf("the expired file is still there: %v", files)
	}
	again := x.Start(exports.Export{Owner: "alice"}, body("0123456789"))
	if e := await(t, x, again.ID, "alice"); e.State != exports.Ready {
		t.Errorf("the quota was not freed: %+v", e)
	}
}

// TestAQueueWaitsItsTurn: with room for one export at a time, a second is
// QUEUED until the first is done.
func TestAQueueWaitsItsTurn(t *testing.T) {
	x := newExports(t, exports.Options{Quota: 1 << 20, Concurrency: 1})
	started, release := make(chan struct{}), make(chan struct{})
	first := x.Start(exports.Export{Owner: "alice"}, func(context.Context) (io.ReadCloser, error) {
		close(started)
		<-release
		return io.NopCloser(strings.NewReader("first")), nil
	})
	<-started // the first has the only room
	second := x.Start(exports.Export{Owner: "alice"}, body("second"))
	time.Sleep(50 * time.Millisecond)
	if e, _ := x.Get(second.ID, "alice"); e.State != exports.Queued {
		t.Errorf("the second while the first runs: %s", e.State)
	}
	close(release)
	for _, id := range []string{first.ID, second.ID} {
		if e := await(t, x, id, "alice"); e.State != exports.Ready {
			t.Errorf("%+v", e)
		}
	}
}

// TestLeftoversAreDeleted: files a previous run left in the spool are
// deleted at start; other files are left alone.
func TestLeftoversAreDeleted(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"vb365-export-0123", "notes.txt"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	newExports(t, exports.Options{Dir: dir, Quota: 1})
	files, _ := os.ReadDir(dir)
	if len(files) != 1 || files[0].Name() != "notes.txt" {
		t.Errorf("left: %v", files)
	}
}

// TestDownloadLinks: over real HTTP, a link gives the file to its owner
// (ranges too), and refuses anyone else, a changed link, an expired one,
// and an export that is not ready yet.
func TestDownloadLinks(t *testing.T) {
	c := testenv.NewClock()
	var audit testenv.LogBuffer
	x := newExports(t, exports.Options{Quota: 1 << 20, LinkTTL: time.Minute, Now: c.Now, Audit: slog.New(slog.NewTextHandler(&audit, nil))})
	e := x.Start(exports.Export{Owner: "alice", OwnerName: "Alice", FileName: "mail items.pst"}, body("0123456789abcdef"))
	e = await(t, x, e.ID, "alice")
	mux := http.NewServeMux()
	mux.Handle("GET "+exports.Path+"{id}/{name}", x.Handler(func(r *http.Request) (string, string, error) {
		switch who := r.Header.Get("X-Who"); who {
		case "":
			return "", "", errors.New("who are you?")
		default:
			return who, who, nil
		}
	}))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	get := func(link, who string, headers ...string) (*http.Response, string) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+link, nil)
		if who != "" {
			req.Header.Set("X-Who", who)
		}
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	link, expires := x.Link(e)
	if !expires.Equal(c.Now().Add(time.Minute)) {
		t.Errorf("the link expires at %v", expires)
	}
	if resp, b := get(link, "alice"); resp.StatusCode != 200 || b != "0123456789abcdef" ||
		resp.Header.Get("Content-Disposition") != `attachment; filename="mail items.pst"` || resp.Header.Get("Accept-Ranges") != "bytes" {
		t.Errorf("the owner: %d %q %v", resp.StatusCode, b, resp.Header)
	}
	if resp, b := get(link, "alice", "Range", "bytes=10-"); resp.StatusCode != http.StatusPartialContent || b != "abcdef" {
		t.Errorf("resumed: %d %q", resp.StatusCode, b)
	}
	for _, c := range []struct {
		link, who string
		status    int
	}{
		{link, "", http.StatusUnauthorized},
		{link, "mallory", http.StatusNotFound},
		{strings.Replace(link, "expires=", "expires=9", 1), "alice", http.StatusForbidden},
	} {
		if resp, _ := get(c.link, c.who); resp.StatusCode != c.status {
			t.Errorf("%s with %q: %d, want %d", c.who, c.link, resp.StatusCode, c.status)
		}
	}
	// An export still running has no file to give yet.
	release := make(chan struct{})
	defer close(release)
	running := x.Start(exports.Export{Owner: "alice", FileName: "later.pst"}, func(context.Context) (io.ReadCloser, error) {
		<-release
		return io.NopCloser(strings.NewReader("later")), nil
	})
	later, _ := x.Link(running)
	if resp, b := get(later, "alice"); resp.StatusCode != http.StatusConflict || !strings.Contains(b, "not READY") {
		t.Errorf("a running export's link: %d %q", resp.StatusCode, b)
	}
	c.Add(2 * time.Minute)
	if resp, b := get(link, "alice"); resp.StatusCode != http.StatusForbidden || !strings.Contains(b, "expired") {
		t.Errorf("an expired link: %d %q", resp.StatusCode, b)
	}
	if !strings.Contains(audit.String(), `msg="export download" export=`+e.ID+` who=alice`) || !strings.Contains(audit.String(), `range="bytes=10-"`) {
		t.Errorf("the audit log: %s", audit.String())
	}
}

// TestAWatcherGetsTheLatestState: a watcher that does not read is sent the
// newest state, not a queue of every one.
func TestAWatcherGetsTheLatestState(t *testing.T) {
	x := newExports(t, exports.Options{Quota: 1 << 20})
	release := make(chan struct{})
	e := x.Start(exports.Export{Owner: "alice"}, func(context.Context) (io.ReadCloser, error) {
		<-release
		return io.NopCloser(strings.NewReader("data")), nil
	})
	states, _ := x.Watch(context.Background(), e.ID, "alice")
	close(release)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if got, _ := x.Get(e.ID, "alice"); got.State == exports.Ready || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := <-states; got.State != exports.Ready {
		t.Errorf("a slow watcher's next state: %s, want READY", got.State)
	}
	if _, ok := x.Watch(context.Background(), e.ID, "mallory"); ok {
		t.Error("another caller watches the export")
	}
}
