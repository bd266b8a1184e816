package vb365sim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Job actions, as each version takes them: v3..v5 POST /Jobs/{id}/Action
// with {"start": null} and alike; from v6 POST /Jobs/{id}/start|stop|
// enable|disable (start with {"full": bool}) and the same on /CopyJobs;
// v8 answers a start with the new session, earlier versions with 204.
// Their effects are real: a start makes a running session that advances
// with the clock and finishes, a stop stops it, a disabled job has no next
// run and cannot be started.

// Action is one action the simulator took, for tests to read.
type Action struct {
	Method, Path, Body string
}

// Actions lists the actions requested so far (refused ones too), in order.
func (s *Server) Actions() []Action {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Action(nil), s.actions...)
}

// ResetActions forgets the actions requested so far.
func (s *Server) ResetActions() {
	s.mu.Lock()
	s.actions = nil
	s.mu.Unlock()
}

var actionNames = map[string]bool{"start": true, "stop": true, "enable": true, "disable": true}

// serveAction answers a POST; false: not an action route.
func (s *Server) serveAction(w http.ResponseWriter, r *http.Request, parts []string) bool {
	v := s.opts.Version
	if len(parts) != 3 || parts[0] != "jobs" && parts[0] != "copyjobs" {
		return false
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	s.mu.Lock()
	s.actions = append(s.actions, Action{r.Method, r.URL.Path, string(body)})
	s.mu.Unlock()

	var name string
	full := false
	switch {
	case v <= 5 && parts[0] == "jobs" && parts[2] == "action":
		var req map[string]json.RawMessage
		if json.Unmarshal(body, &req) != nil || len(req) != 1 {
			s.fail(w, http.StatusBadRequest, "ParameterValidationFailure", "The action is not valid.")
			return true
		}
		for k := range req {
			name = strings.ToLower(k)
		}
	case v >= 6 && actionNames[parts[2]]:
		name = parts[2]
		if name == "start" && len(body) > 0 {
			var opts struct{ Full *bool }
			if json.Unmarshal(body, &opts) != nil {
				s.fail(w, http.StatusBadRequest, "ParameterValidationFailure", "The request body is not valid.")
				return true
			}
			full = opts.Full != nil && *opts.Full
		}
	default:
		return false
	}
	if !actionNames[name] {
		s.fail(w, http.StatusBadRequest, "ParameterValidationFailure", "The action is not valid.")
		return true
	}
	if s.readOnly(r) {
		s.fail(w, http.StatusForbidden, "ResourceAccessDenied", "Access denied: the account may not run jobs.")
		return true
	}

	s.dataMu.Lock()
	defer s.dataMu.Unlock()
	d := s.data
	var j *job
	copyJob := (*copyJob)(nil)
	if parts[0] == "jobs" {
		j = d.jobByID[parts[1]]
	} else if v >= 6 {
		copyJob = d.copyByID[parts[1]]
		if copyJob != nil {
			j = s.runsOf(copyJob)
		}
	}
	if j == nil {
		s.fail(w, http.StatusNotFound, "ResourceNotFound", "Job with the specified ID was not found.")
		return true
	}
	now := s.opts.Now()
	running := s.runningSession(j, now)
	switch name {
	case "start":
		switch {
		case !j.enabled:
			s.fail(w, http.StatusBadRequest, "OperationConflict", "The job is disabled.")
			return true
		case running != nil:
			s.fail(w, http.StatusBadRequest, "OperationConflict", "The job is already running.")
			return true
		}
		ss := s.startSession(j, now, full)
		if v >= 8 {
			s.writeJSON(w, s.sessionJSON(ss))
			return true
		}
	case "stop":
		if running == nil {
			s.fail(w, http.StatusBadRequest, "OperationConflict", "The job is not running.")
			return true
		}
		running.duration, running.status = now.Sub(running.created), "Stopped"
	case "enable", "disable":
		j.enabled = name == "enable"
		if copyJob != nil {
			copyJob.enabled = j.enabled
		}
	}
	j.changes++
	w.WriteHeader(http.StatusNoContent)
	return true
}

// runsOf is the /Jobs entry whose sessions are the copy job's runs, made
// when a copy job that never ran first starts.
func (s *Server) runsOf(c *copyJob) *job {
	if c.runs == nil {
		c.runs = &job{id: c.id, name: c.name, description: "Backup copy", backupType: "EntireOrganization", copy: true,
			enabled: c.enabled, period: 24 * time.Hour, schedule: "Daily", dailyTime: "03:00:00",
			repository: c.repository.id, org: c.backupJob.org}
		s.data.jobByID[c.id] = c.runs
	}
	return c.runs
}

func (s *Server) runningSession(j *job, now time.Time) *session {
	for _, ss := range s.data.sessions {
		if ss.job == j && !ss.created.After(now) && ss.at(now).status == "Running" {
			return ss
		}
	}
	return nil
}

// startSession adds a session of j that runs for three minutes from now.
func (s *Server) startSession(j *job, now time.Time, full bool) *session {
	n := len(s.data.sessions)
	h := hashOf(fmt.Sprintf("started-%s-%d", j.id, n))
	ss := &session{
		id: uuidFor(fmt.Sprintf("started-%s-%d", j.id, n)), job: j, created: now, duration: 3 * time.Minute,
		objects: int64(50 + h%500), bytes: int64(h % (1 << 30)), bottleneck: "Source", logLines: 6,
		warningItem: -1, status: "Success", live: true,
	}
	ss.full = full
	s.data.sessions = append([]*session{ss}, s.data.sessions...)
	s.data.byID[ss.id] = ss
	return ss
}

// readOnly reports whether the request's token belongs to the read-only
// account (Options.ViewerUsername).
func (s *Server) readOnly(r *http.Request) bool {
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.viewerTokens[tok]
}
