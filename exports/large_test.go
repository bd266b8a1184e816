package exports_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vb365-graphql/vb365-graphql/access"
	"github.com/vb365-graphql/vb365-graphql/graphqlhttp"
	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
	"github.com/vb365-graphql/vb365-graphql/upstream/vb365sim"
)

// largeExport is the size of each export of TestTwoLargeExports.
const largeExport = 2 << 30

// TestTwoLargeExports: two 2 GiB PST exports stream from the simulator
// into the spool at once, then download at once (one cut after 1 GiB and
// resumed with Range), all over loopback HTTP in this process, while the
// process's resident memory (simulator, gateway and downloader together)
// stays under 200 MiB. Each download is the REST export's bytes.
func TestTwoLargeExports(t *testing.T) {
	if os.Getenv("VB365_LARGE_TESTS") == "" {
		t.Skip("moves 10 GiB through loopback and disk: test.sh runs it alone, with VB365_LARGE_TESTS=1")
	}
	keys, err := access.ParseKeys([]string{"k3y-portal restore-operator portal"})
	if err != nil {
		t.Fatal(err)
	}
	g := testenv.Start(t, testenv.Options{Unshared: true, Sim: func(o *vb365sim.Options) { o.ExportBytes = largeExport },
		Env:     map[string]string{"VB365_EXPORT_QUOTA": strconv.Itoa(5 << 30), "VB365_EXPORT_DIR": t.TempDir()},
		Handler: func(o *graphqlhttp.Options) { o.Gate = &access.Gate{Keys: keys} }})
	ask := func(query string, vars map[string]any, into any) {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
		req, _ := http.NewRequest(http.MethodPost, g.URL+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-API-Key", "k3y-portal")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var r struct {
			Data   json.RawMessage
			Errors []any
		}
		if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || len(r.Errors) > 0 || json.Unmarshal(r.Data, into) != nil {
			t.Fatalf("%v %v %s", err, r.Errors, r.Data)
		}
	}
	var opened struct {
		OpenRestoreSession struct {
			RestoreSession struct {
				ID        string
				Mailboxes struct {
					Nodes []struct {
						ID, ObjectID string
						Items        struct {
							Nodes []struct{ ID, ObjectID string }
						}
					}
				}
			}
		}
	}
	ask(`mutation($org: ID!) { openRestoreSession(input: {organizationId: $org, kind: EXCHANGE, reason: "load"}) {
		restoreSession { id mailboxes(first: 1) { nodes { id objectId items(first: 2) { nodes { id objectId } } } } } } }`, map[string]any{"org": g.Sim.OrganizationIDs()[0]}, &opened)
	rs := opened.OpenRestoreSession.RestoreSession
	mailbox := rs.Mailboxes.Nodes[0]
	items := []string{mailbox.Items.Nodes[0].ID, mailbox.Items.Nodes[1].ID} // the records' own ids, as a client has them

	peak := watchMemory(t)
	start := time.Now()
	var ids []string
	for i := range 2 {
		var started struct {
			ExportItems struct{ Export struct{ ID string } }
		}
		ask(`mutation($s: ID!, $m: ID!, $items: [ID!]!, $c: String) { exportItems(input: {restoreSessionId: $s, mailboxId: $m, itemIds: $items,
			reason: "load", clientMutationId: $c}) { export { id } } }`, map[string]any{"s": rs.ID, "m": mailbox.ID, "items": items, "c": fmt.Sprint(i)}, &started)
		ids = append(ids, started.ExportItems.Export.ID)
	}
	links := make([]string, 2)
	for i, id := range ids {
		for {
			var d struct {
				Export struct {
					State, DownloadURL string
					SizeBytes          int64
				}
			}
			ask(`query($id: ID!) { export(id: $id) { state downloadUrl sizeBytes } }`, map[string]any{"id": id}, &d)
			if d.Export.State == "READY" && d.Export.SizeBytes == largeExport {
				links[i] = d.Export.DownloadURL
				break
			}
			if d.Export.State != "QUEUED" && d.Export.State != "RUNNING" {
				t.Fatalf("export %d: %+v", i, d.Export)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	spooled := time.Since(start)

	start = time.Now()
	sums := make([][]byte, 2)
	var wg sync.WaitGroup
	for i, link := range links {
		wg.Go(func() {
			h := sha256.New()
			from := int64(0)
			if i == 1 { // cut after 1 GiB, then resumed where it stopped
				from = fetch(t, g.URL+link, h, "", 1<<30)
			}
			if n := fetch(t, g.URL+link, h, fmt.Sprintf("bytes=%d-", from), -1); from+n != largeExport {
				t.Errorf("download %d: %d bytes", i, from+n)
			}
			sums[i] = h.Sum(nil)
		})
	}
	wg.Wait()
	downloaded := time.Since(start)
	maxRSS := peak()

	want := restExportSum(t, g, rs.ID, mailbox.ObjectID, []string{mailbox.Items.Nodes[0].ObjectID, mailbox.Items.Nodes[1].ObjectID})
	for i, sum := range sums {
		if !bytes.Equal(sum, want) {
			t.Errorf("download %d: sha256 %x, the REST export's %x", i, sum, want)
		}
	}
	t.Logf("two exports of %d MiB: spooled in %v (%.0f MiB/s), downloaded in %v (%.0f MiB/s); peak RSS %d MiB",
		largeExport>>20, spooled.Round(time.Millisecond), float64(2*largeExport>>20)/spooled.Seconds(),
		downloaded.Round(time.Millisecond), float64(2*largeExport>>20)/downloaded.Seconds(), maxRSS>>20)
	if maxRSS >= 200<<20 {
		t.Errorf("peak RSS %d MiB, want under 200 MiB", maxRSS>>20)
	}
}

// fetch GETs url with the restore operator's key (and a Range, if given)
// into h: up to limit bytes (-1: all), returning how many it read.
func fetch(t *testing.T, url string, h hash.Hash, ranged string, limit int64) int64 {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("X-API-Key", "k3y-portal")
	want := http.StatusOK
	if ranged != "" {
		req.Header.Set("Range", ranged)
		want = http.StatusPartialContent
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return 0
	}
	defer resp.Body.Close() // before the end: the connection is cut
	if resp.StatusCode != want {
		t.Errorf("GET %s (%s): %d", url, ranged, resp.StatusCode)
		return 0
	}
	var body io.Reader = resp.Body
	if limit >= 0 {
		body = io.LimitReader(body, limit)
	}
	n, err := io.Copy(h, body)
	if err != nil {
		t.Error(err)
	}
	return n
}

// restExportSum is the sha256 of the export the REST API gives of items.
func restExportSum(t *testing.T, g *testenv.Gateway, session, mailbox string, items []string) []byte {
	body := fmt.Sprintf(`{"items":[{"id":%q},{"id":%q}]}`, items[0], items[1])
	req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/v8/RestoreSessions/%s/organization/mailboxes/%s/items/exportToPst", g.Upstream.URL, session, mailbox), strings.NewReader(body))
	req.Header.Set("Authorization", g.Env.Token(t))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	h := sha256.New()
	if n, err := io.Copy(h, resp.Body); err != nil || n != largeExport {
		t.Fatalf("the REST export: %d bytes, %v", n, err)
	}
	return h.Sum(nil)
}

// watchMemory samples the process's resident memory every 20 ms (and
// reads the kernel's peak, reset now, where it can) until the returned
// function is called, which gives the highest seen.
func watchMemory(t *testing.T) func() int64 {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // resets VmHWM where allowed
	var highest atomic.Int64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			highest.Store(max(highest.Load(), memory(t, "VmRSS:")))
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	return func() int64 {
		close(done)
		wg.Wait()
		return max(highest.Load(), memory(t, "VmHWM:"))
	}
}

// memory reads a line of /proc/self/status, in bytes.
func memory(t *testing.T, field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status: cannot measure memory here")
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
