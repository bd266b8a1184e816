package vb365sim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Restore sessions a client opens to explore an organization's backups
// (v6+ /explore and /Stop; v3..v5 the organization's and the session's
// /Action), recorded like the job actions. An open session works until it
// is stopped.

var exploreNames = map[string]string{"Vex": "Exchange", "Veod": "OneDrive", "Vesp": "SharePoint", "Vet": "Teams"}

// serveExplore answers the explore and stop routes; false: not one of them.
func (s *Server) serveExplore(w http.ResponseWriter, r *http.Request, parts []string) bool {
	v := s.opts.Version
	if r.Method != http.MethodPost || len(parts) != 3 ||
		!(parts[0] == "organizations" && (parts[2] == "explore" || parts[2] == "action") || parts[0] == "restoresessions" && (parts[2] == "stop" || parts[2] == "action")) {
		return false // the body is left for whoever serves the route
	}
	stop := false
	var options struct {
		Type            string
		DateTime        *time.Time
		ShowDeleted     bool
		ShowAllVersions bool
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	bad := func() bool {
		s.fail(w, http.StatusBadRequest, "ParameterValidationFailure", "The request body is not valid.")
		return true
	}
	switch {
	case parts[0] == "organizations" && parts[2] == "explore" && v >= 6:
		if json.Unmarshal(body, &options) != nil {
			return bad()
		}
	case parts[0] == "organizations" && parts[2] == "action" && v <= 5:
		var action struct{ Explore *json.RawMessage }
		if json.Unmarshal(body, &action) != nil || action.Explore == nil || json.Unmarshal(*action.Explore, &options) != nil {
			return bad()
		}
		options.Type = map[string]string{"vex": "Vex", "veod": "Veod", "vesp": "Vesp", "vet": "Vet"}[options.Type]
	case parts[0] == "restoresessions" && parts[2] == "stop" && v >= 6:
		stop = true
	case parts[0] == "restoresessions" && parts[2] == "action" && v <= 5:
		var action map[string]json.RawMessage
		if json.Unmarshal(body, &action) != nil || action["stop"] == nil {
			return bad()
		}
		stop = true
	default:
		return false
	}
	s.record(r, body)
	s.dataMu.Lock()
	defer s.dataMu.Unlock()
	d := s.data
	now := s.opts.Now()
	if stop {
		rs := d.restoreByID[parts[1]]
		switch {
		case rs == nil:
			s.fail(w, http.StatusNotFound, "ResourceNotFound", "Restore session with the specified ID was not found.")
		case rs.at(now).state != "Working":
			s.fail(w, http.StatusBadRequest, "OperationConflict", "The restore session is already stopped.")
		default:
			rs.duration = now.Sub(rs.created)
			if v >= 8 {
				w.WriteHeader(http.StatusNoContent)
			} else {
				w.WriteHeader(http.StatusOK)
			}
		}
		return true
	}
	o := d.orgByID[parts[1]]
	name := exploreNames[options.Type]
	switch {
	case o == nil:
		s.fail(w, http.StatusNotFound, "ResourceNotFound", "Organization with the specified ID was not found.")
		return true
	case name == "":
		return bad()
	}
	d.explored++
	rs := &restoreSession{id: uuidFor(fmt.Sprintf("explore %s %d", o.id, d.explored)), name: name + " restore session", kind: options.Type, org: o,
		created: now, duration: 30 * 24 * time.Hour, result: "Success", by: s.user(r), scope: o.name, host: "vb365-graphql", live: true}
	d.restores = append([]*restoreSession{rs}, d.restores...)
	d.restoreByID[rs.id] = rs
	if v >= 8 {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(s.restoreSessionJSON(rs))
		return true
	}
	s.writeJSON(w, s.restoreSessionJSON(rs))
	return true
}

// user is who opens a session: the service account (the simulator keeps
// no user per token).
func (s *Server) user(*http.Request) string { return `CONTOSO\svc-vbo` }
