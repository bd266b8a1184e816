package vb365sim_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
	"github.com/vb365-graphql/vb365-graphql/upstream/vb365sim"
)

func TestLiveSessionsAdvanceAndFinish(t *testing.T) {
	t.Parallel()
	c := testenv.NewClock()
	env := testenv.New(t, testenv.Options{Clock: c.Now})
	tok := env.Token(t)
	id := env.Sim.LiveSessionIDs()[0]

	read := func() (status string, progress int, end any) {
		code, body := env.Get(t, "/v8/JobSessions/"+id, tok)
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
	c.Add(3 * time.Minute)
	st2, p2, _ := read()
	c.Add(30 * time.Minute)
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
	t.Parallel()
	for _, c := range []struct {
		version int
		check   func(t *testing.T, get func(path, tok string) (int, string), tok string, sim *vb365sim.Server)
	}{
		{3, func(t *testing.T, get func(path, tok string) (int, string), tok string, sim *vb365sim.Server) {
			id := sim.SessionIDs()[4]
			_, body := get("/v3/jobsessions/"+id, tok) // paths are case-insensitive
			for _, want := range []string{`"href":"https://support.east.local:4443/v3/jobsessions/` + id + `/log"`, `"processedObjects":"`} {
				if !strings.Contains(body, want) {
					t.Errorf("v3 session lacks %s: %s", want, body)
				}
			}
			if code, _ := get("/v3/jobsessions/"+id+"/log", tok); code != 404 {
				t.Errorf("the v3 log link answered %d, want 404", code)
			}
			if _, body := get("/v3/JobSessions?limit=2", tok); !strings.HasPrefix(body, "[") || strings.Count(body, `"creationTime"`) != len(sim.SessionIDs()) {
				t.Errorf("v3 listing must be a bare array of every session, paging ignored")
			}
			if _, body := get("/v3/JobSessions/"+id+"/LogItems", tok); !strings.Contains(body, `-07:00"`) || !strings.Contains(body, `"title":"[Success]`) {
				t.Errorf("v3 log times carry the server's offset and a title: %.300s", body)
			}
		}},
		{7, func(t *testing.T, get func(path, tok string) (int, string), tok string, sim *vb365sim.Server) {
			job := sim.JobIDs()[0]
			if code, _ := get("/v7/Jobs/"+job+"/JobSessions", tok); code != 404 {
				t.Errorf("v7 serves /Jobs/{id}/JobSessions (%d, tok); it was removed", code)
			}
			if _, body := get("/v7/Jobs/"+job, tok); !strings.Contains(body, `"href":"/v7/Jobs/`+job+`/JobSessions"`) {
				t.Errorf("v7 job links to its sessions at the old path: %s", body)
			}
			if _, body := get("/v7/JobSessions?jobId="+job+"&limit=3", tok); strings.Count(body, `"href":"/v7/Jobs/`+job+`"`) != 3 {
				t.Errorf("jobId filter: %.300s", body)
			}
		}},
		{8, func(t *testing.T, get func(path, tok string) (int, string), tok string, sim *vb365sim.Server) {
			id := sim.SessionIDs()[4]
			_, body := get("/v8/JobSessions/"+id+"/LogItems?limit=1", tok)
			if !strings.Contains(body, `"type":"Success","message":"Job started`) || strings.Contains(body, `"title"`) || strings.Contains(body, "totalCount") {
				t.Errorf("v8 log item: %s", body)
			}
			if _, body := get("/v8/JobSessions?status=Succeeded&limit=40", tok); strings.Count(body, `"status":"Success"`) != 40 {
				t.Errorf("status=Succeeded must match Success sessions")
			}
			if code, body := get("/v8/JobSessions", ""); code != 401 || !strings.Contains(body, `"message"`) {
				t.Errorf("no token: HTTP %d %s", code, body)
			}
			if code, _ := get("/v7/JobSessions", tok); code != 404 {
				t.Errorf("a v8 simulator answered a v7 path")
			}
		}},
	} {
		env := testenv.New(t, testenv.Options{Version: c.version})
		get := func(path, tok string) (int, string) { return env.Get(t, path, tok) }
		c.check(t, get, env.Token(t), env.Sim)
	}
}

func TestDataIsStable(t *testing.T) {
	t.Parallel()
	a, b := vb365sim.New(vb365sim.Options{Anchor: testenv.Anchor}), vb365sim.New(vb365sim.Options{Anchor: testenv.Anchor})
	if strings.Join(a.SessionIDs(), ",") != strings.Join(b.SessionIDs(), ",") || len(a.SessionIDs()) != 12*35 {
		t.Error("the same anchor must give the same sessions")
	}
	if len(a.LiveSessionIDs()) != 2 || len(a.JobIDs()) != 12 {
		t.Errorf("%d live sessions, %d jobs", len(a.LiveSessionIDs()), len(a.JobIDs()))
	}
}

func TestAsManyLiveSessionsAsAsked(t *testing.T) {
	t.Parallel()
	env := testenv.New(t, testenv.Options{Sim: func(o *vb365sim.Options) { o.LiveSessions = 20 }})
	tok := env.Token(t)
	live := env.Sim.LiveSessionIDs()
	if len(live) != 20 {
		t.Fatalf("%d live sessions, want 20", len(live))
	}
	for _, id := range live {
		code, body := env.Get(t, "/v8/JobSessions/"+id, tok)
		if code != 200 || !strings.Contains(body, `"status":"Running"`) {
			t.Fatalf("%s: HTTP %d %.200s", id, code, body)
		}
	}
	if n := len(testenv.New(t, testenv.Options{}).Sim.LiveSessionIDs()); n != 2 {
		t.Fatalf("default: %d live sessions, want 2", n)
	}
}
