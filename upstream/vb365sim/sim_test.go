package vb365sim

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func login(t *testing.T, ts *httptest.Server, version string) string {
	t.Helper()
	resp, err := http.PostForm(ts.URL+"/"+version+"/Token", url.Values{"grant_type": {"password"}, "username": {`demo\admin`}, "password": {"demo"}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("login: HTTP %d, %v", resp.StatusCode, err)
	}
	return tok.AccessToken
}

func get(t *testing.T, ts *httptest.Server, token, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, ts.URL+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestLiveSessionsAdvanceAndFinish(t *testing.T) {
	anchor := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	c := &clock{t: anchor}
	sim := New(Options{Version: 8, Anchor: anchor, Now: c.now})
	ts := httptest.NewServer(sim)
	defer ts.Close()
	tok := login(t, ts, "v8")
	id := sim.LiveSessionIDs()[0]

	read := func() (status string, progress int, end any) {
		code, body := get(t, ts, tok, "/v8/JobSessions/"+id)
		var s struct {
			Status   string
			Progress int
			EndTime  any
		}
		if code != 200 || json.Unmarshal([]byte(body), &s) != nil {
			t.Fatalf("HTTP %d: %s", code, body)
		}
		return s.Status, s.Progress, s.EndTime
	}
	st1, p1, end1 := read()
	c.add(3 * time.Minute)
	st2, p2, _ := read()
	c.add(30 * time.Minute)
	st3, p3, end3 := read()
	if st1 != "Running" || st2 != "Running" || end1 != nil {
		t.Errorf("want running with no end: %s %s %v", st1, st2, end1)
	}
	if !(p1 < p2 && p2 < p3) {
		t.Errorf("progress does not advance: %d, %d, %d", p1, p2, p3)
	}
	if st3 != "Success" || end3 == nil {
		t.Errorf("after half an hour: %s, end %v; want finished", st3, end3)
	}
}

func TestVersionQuirks(t *testing.T) {
	anchor := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		version int
		check   func(t *testing.T, ts *httptest.Server, tok string, sim *Server)
	}{
		{3, func(t *testing.T, ts *httptest.Server, tok string, sim *Server) {
			id := sim.SessionIDs()[4]
			_, body := get(t, ts, tok, "/v3/jobsessions/"+id) // paths are case-insensitive
			for _, want := range []string{`"href":"https://support.east.local:4443/v3/jobsessions/` + id + `/log"`, `"processedObjects":"`} {
				if !strings.Contains(body, want) {
					t.Errorf("v3 session lacks %s: %s", want, body)
				}
			}
			if code, _ := get(t, ts, tok, "/v3/jobsessions/"+id+"/log"); code != 404 {
				t.Errorf("the v3 log link answered %d, want 404", code)
			}
			if _, body := get(t, ts, tok, "/v3/JobSessions?limit=2"); !strings.HasPrefix(body, "[") || strings.Count(body, `"creationTime"`) != len(sim.SessionIDs()) {
				t.Errorf("v3 listing must be a bare array of every session, paging ignored")
			}
			if _, body := get(t, ts, tok, "/v3/JobSessions/"+id+"/LogItems"); !strings.Contains(body, `-07:00"`) || !strings.Contains(body, `"title":"[Success]`) {
				t.Errorf("v3 log times carry the server's offset and a title: %.300s", body)
			}
		}},
		{7, func(t *testing.T, ts *httptest.Server, tok string, sim *Server) {
			job := sim.JobIDs()[0]
			if code, _ := get(t, ts, tok, "/v7/Jobs/"+job+"/JobSessions"); code != 404 {
				t.Errorf("v7 serves /Jobs/{id}/JobSessions (%d); it was removed", code)
			}
			if _, body := get(t, ts, tok, "/v7/Jobs/"+job); !strings.Contains(body, `"href":"/v7/Jobs/`+job+`/JobSessions"`) {
				t.Errorf("v7 job links to its sessions at the old path: %s", body)
			}
			if _, body := get(t, ts, tok, "/v7/JobSessions?jobId="+job+"&limit=3"); strings.Count(body, `"href":"/v7/Jobs/`+job+`"`) != 3 {
				t.Errorf("jobId filter: %.300s", body)
			}
		}},
		{8, func(t *testing.T, ts *httptest.Server, tok string, sim *Server) {
			id := sim.SessionIDs()[4]
			_, body := get(t, ts, tok, "/v8/JobSessions/"+id+"/LogItems?limit=1")
			if !strings.Contains(body, `"type":"Success","message":"Job started`) || strings.Contains(body, `"title"`) || strings.Contains(body, "totalCount") {
				t.Errorf("v8 log item: %s", body)
			}
			if _, body := get(t, ts, tok, "/v8/JobSessions?status=Succeeded&limit=40"); strings.Count(body, `"status":"Success"`) != 40 {
				t.Errorf("status=Succeeded must match Success sessions")
			}
			if code, body := get(t, ts, "", "/v8/JobSessions"); code != 401 || !strings.Contains(body, `"message"`) {
				t.Errorf("no token: HTTP %d %s", code, body)
			}
			if code, _ := get(t, ts, tok, "/v7/JobSessions"); code != 404 {
				t.Errorf("a v8 simulator answered a v7 path")
			}
		}},
	} {
		sim := New(Options{Version: c.version, Anchor: anchor, Now: func() time.Time { return anchor }})
		ts := httptest.NewServer(sim)
		c.check(t, ts, login(t, ts, "v"+string(rune('0'+c.version))), sim)
		ts.Close()
	}
}

func TestDataIsStable(t *testing.T) {
	anchor := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	a, b := New(Options{Anchor: anchor}), New(Options{Anchor: anchor})
	if strings.Join(a.SessionIDs(), ",") != strings.Join(b.SessionIDs(), ",") || len(a.SessionIDs()) != 12*35 {
		t.Error("the same anchor must give the same sessions")
	}
	if len(a.LiveSessionIDs()) != 2 || len(a.JobIDs()) != 12 {
		t.Errorf("%d live sessions, %d jobs", len(a.LiveSessionIDs()), len(a.JobIDs()))
	}
}
