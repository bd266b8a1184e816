package vb365sim

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// The v8 event feed (GET /Events?from=&limit=&timeoutSeconds=): what
// changed since a token. The simulator finds changes by comparing what it
// shows now with what it showed when last asked — a job session started,
// advanced or ended (JobSessionUpdate), a job was acted on (JobUpdate), a
// restore session changed (RestoreSessionUpdate) — and keeps them in a log.
// A token is a place in the log; "latest" starts the feed from now. A
// request with nothing new waits up to timeoutSeconds for something, as
// the real server's long poll does.

type feedEvent struct {
	kind, id, jobID, status, jobType string
	etag                             int64
}

type eventFeed struct {
	mu   sync.Mutex
	log  []feedEvent
	seen map[string]string // object -> what it showed when last compared (nil: not yet)
}

// observe adds to the log what changed since it last looked.
func (s *Server) observe() {
	s.dataMu.RLock()
	now := s.opts.Now()
	current := map[string]feedEvent{}
	shown := map[string]string{}
	for _, ss := range s.data.sessions {
		st := ss.at(now)
		progress := int64(float64(ss.objects) * st.fraction)
		key := "session " + ss.id
		shown[key] = fmt.Sprint(st.status, " ", progress)
		current[key] = feedEvent{kind: "JobSessionUpdate", id: ss.id, jobID: ss.job.id, status: st.status, jobType: jobTypeOf(ss.job),
			etag: ss.created.Unix()%100000 + progress}
	}
	for _, j := range s.data.jobs {
		key := "job " + j.id
		shown[key] = fmt.Sprint(j.changes)
		current[key] = feedEvent{kind: "JobUpdate", id: j.id, jobType: jobTypeOf(j), etag: int64(hashOf(j.id)%100000) + j.changes}
	}
	for _, rs := range s.data.restores {
		st := rs.at(now)
		key := "restore " + rs.id
		shown[key] = fmt.Sprint(st.state, " ", len(st.events))
		current[key] = feedEvent{kind: "RestoreSessionUpdate", id: rs.id, etag: int64(1 + len(st.events))}
	}
	s.dataMu.RUnlock()

	s.feed.mu.Lock()
	defer s.feed.mu.Unlock()
	if s.feed.seen == nil { // the first look is where the feed starts
		s.feed.seen = shown
		return
	}
	for key, what := range shown {
		if s.feed.seen[key] != what {
			s.feed.seen[key] = what
			s.feed.log = append(s.feed.log, current[key])
		}
	}
}

func jobTypeOf(j *job) string {
	if j.copy {
		return "Copy"
	}
	return "Backup"
}

// serveEvents answers the feed (v8); false: not its route.
func (s *Server) serveEvents(w http.ResponseWriter, r *http.Request, parts []string) bool {
	if r.Method != http.MethodGet || len(parts) != 1 || parts[0] != "events" || s.opts.Version < 8 {
		return false
	}
	q := r.URL.Query()
	limit, err := strconv.Atoi(q.Get("limit"))
	if err != nil || limit <= 0 {
		limit = 30
	}
	limit = min(limit, 10_000)
	wait, _ := strconv.Atoi(q.Get("timeoutSeconds"))
	deadline := time.Now().Add(time.Duration(min(max(wait, 0), 120)) * time.Second)
	s.observe()
	s.feed.mu.Lock()
	from := len(s.feed.log)
	s.feed.mu.Unlock()
	switch token := q.Get("from"); token {
	case "":
		s.fail(w, http.StatusBadRequest, "ParameterValidationFailure", "The change token is not specified.")
		return true
	case "latest":
	default:
		n, err := strconv.Atoi(token)
		if err != nil || n < 0 || n > from {
			s.fail(w, http.StatusBadRequest, "OutdatedChangeToken", "The change token is not valid.")
			return true
		}
		from = n
	}
	for {
		s.feed.mu.Lock()
		found := s.feed.log[from:min(len(s.feed.log), from+limit)]
		events := append([]feedEvent(nil), found...)
		s.feed.mu.Unlock()
		if len(events) > 0 || !time.Now().Before(deadline) {
			s.writeJSON(w, s.eventsJSON(events, from+len(events), limit))
			return true
		}
		select {
		case <-r.Context().Done():
			return true
		case <-time.After(50 * time.Millisecond):
		}
		s.observe()
	}
}

func (s *Server) eventsJSON(events []feedEvent, next, limit int) obj {
	results := []obj{}
	for _, e := range events {
		o := obj{{"eventType", e.kind}, {"id", e.id}, {"eTag", e.etag}}
		switch e.kind {
		case "JobSessionUpdate":
			o = append(o, kv{"jobId", e.jobID}, kv{"status", e.status}, kv{"jobType", e.jobType})
		case "JobUpdate":
			o = append(o, kv{"jobType", e.jobType})
		}
		results = append(results, o)
	}
	token := strconv.Itoa(next)
	return obj{{"nextChangeToken", token}, {"limit", limit}, {"results", results},
		{"_links", obj{{"next", link(s.href("/Events?from=" + token))}}}}
}
