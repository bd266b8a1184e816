package vb365sim

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// collectionOf is where an organization keeps objects of a kind.
var collectionOf = map[string]string{"User": "Users", "Group": "Groups", "Site": "Sites", "Team": "Teams"}

func (s *Server) processedJSON(ss *session, p processed) obj {
	m := p.member
	return obj{{"id", m.id}, {"type", m.kind}, {"status", p.status}, {"_links", obj{
		{"jobSession", link(s.href("/JobSessions/" + ss.id))},
		{strings.ToLower(m.kind), link(s.href("/Organizations/" + m.org.id + "/" + collectionOf[m.kind] + "/" + m.id))},
	}}}
}

func (s *Server) restorePointJSON(p *restorePoint) obj {
	v := s.opts.Version
	ss := p.session
	kind := kindProcessed(ss.job)
	end := ss.created.Add(ss.duration)
	out := obj{{"id", p.id}}
	if v >= 7 {
		out = append(out, kv{"isDeleted", false})
	}
	out = append(out, kv{"repositoryId", ss.job.repository}, kv{"backupTime", timeText(end)}, kv{"jobId", ss.job.id},
		kv{"organizationId", ss.job.org.id},
		kv{"isExchange", kind == "Group" || kind == "User" && !strings.Contains(ss.job.name, "OneDrive")},
		kv{"isSharePoint", kind == "Site"}, kv{"isOneDrive", strings.Contains(ss.job.name, "OneDrive") || kind == "Group"},
		kv{"isTeams", kind == "Team"}, kv{"isLongTermCopy", s.longTermCopy(p)})
	if v >= 7 {
		out = append(out, kv{"isCopy", ss.job.copy})
	}
	out = append(out, kv{"isRetrieved", false})
	if v >= 8 {
		out = append(out, kv{"eTag", int64(1)}, kv{"objectsEtag", int64(1)}, kv{"immutabilityExpiresOn", nil})
	}
	return append(out, kv{"_links", obj{
		{"self", link(s.href("/RestorePoints/" + p.id))},
		{"job", link(s.href("/Jobs/" + ss.job.id))},
		{"organization", link(s.href("/Organizations/" + ss.job.org.id))},
		{"backupRepository", link(s.href("/BackupRepositories/" + ss.job.repository))},
	}})
}

// longTermCopy is the point's isLongTermCopy: on v6 any copy in object
// storage, from v7 (which added isCopy) a copy in an archive tier.
func (s *Server) longTermCopy(p *restorePoint) bool {
	if s.opts.Version == 6 {
		return p.session.job.copy
	}
	return s.data.repoByID[p.session.job.repository].longTerm
}

// timeOrNone is how each version writes a time that has not come: v3..v5 a
// zero date, later versions null.
func (s *Server) timeOrNone(t *time.Time) any {
	switch {
	case t != nil:
		return timeText(*t)
	case s.opts.Version <= 5:
		return "0001-01-01T00:00:00"
	default:
		return nil
	}
}

func (s *Server) restoreSessionJSON(rs *restoreSession) obj {
	st := rs.at(s.opts.Now())
	out := obj{{"id", rs.id}, {"name", rs.name}, {"organization", rs.org.name}, {"type", rs.kind},
		{"creationTime", timeText(rs.created)}, {"endTime", s.timeOrNone(st.end)},
		{"state", st.state}, {"result", st.result}, {"initiatedBy", rs.by}, {"details", st.details},
		{"scopeName", rs.scope}, {"clientHost", rs.host}, {"reason", rs.reason}}
	if s.opts.Version >= 8 {
		out = append(out, kv{"eTag", int64(1 + len(st.events))})
	}
	return append(out, kv{"_links", obj{
		{"self", link(s.href("/RestoreSessions/" + rs.id))},
		{"events", link(s.href("/RestoreSessions/" + rs.id + "/Events"))},
		{"organization", link(s.href("/RestoreSessions/" + rs.id + "/organization"))},
	}})
}

func (s *Server) restoreEventJSON(rs *restoreSession, i int, e restoreEvent) obj {
	start := rs.created.Add(e.offset)
	var end *time.Time
	if e.status != "Running" {
		t := start.Add(e.duration)
		end = &t
	}
	d := e.duration.Round(time.Second)
	out := obj{{"itemName", e.item}, {"itemType", e.itemType}, {"itemSizeBytes", e.size}, {"source", e.source}, {"target", e.target},
		{"id", e.id}, {"type", e.kind}, {"status", e.status}, {"startTime", timeText(start)}, {"endTime", s.timeOrNone(end)},
		{"duration", fmt.Sprintf("%02d:%02d:%02d", int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60)},
		{"title", e.kind + " " + e.item}, {"message", e.msg}, {"order", i + 1}}
	if s.opts.Version >= 8 {
		out = append(out, kv{"organizationId", rs.org.id})
	}
	return append(out, kv{"_links", obj{
		{"self", link(s.href("/RestoreSessions/" + rs.id + "/Events/" + e.id))},
		{"restoreSession", link(s.href("/RestoreSessions/" + rs.id))},
	}})
}

func (s *Server) restoreStatisticsJSON(rs *restoreSession) obj {
	st := rs.at(s.opts.Now())
	var restored, failed int64
	warnings, errs := []string{}, []string{}
	for _, e := range st.events {
		switch e.status {
		case "Success", "Warning":
			restored++
		case "Failed":
			failed++
		}
		switch e.status {
		case "Warning":
			warnings = append(warnings, e.msg)
		case "Failed":
			errs = append(errs, e.msg)
		}
	}
	return obj{{"totalItemsCount", int64(len(rs.events))}, {"restoredItemsCount", restored}, {"failedItemsCount", failed},
		{"skippedItemsCount", int64(0)}, {"warnings", warnings}, {"errors", errs}, {"items", []obj{}}}
}

// serveRestores answers the routes of processed objects, organization
// objects, restore points and restore sessions; false: not one of them.
func (s *Server) serveRestores(w http.ResponseWriter, route string, parts []string, q url.Values) bool {
	v := s.opts.Version
	d := s.data
	notServed := func() {
		s.fail(w, http.StatusNotFound, "ResourceNotFound", "No HTTP resource was found that matches the request URI.")
	}
	switch route {
	case "GET /JobSessions/{id}/ProcessedObjects":
		ss := d.byID[parts[1]]
		switch {
		case v < 7:
			notServed()
		case ss == nil:
			s.fail(w, http.StatusNotFound, "ResourceNotFound", "Job session with the specified ID was not found.")
		default:
			var out []obj
			for _, p := range s.processedObjects(ss) {
				out = append(out, s.processedJSON(ss, p))
			}
			offset, limit := paging(q)
			s.writeJSON(w, s.page("/JobSessions/"+ss.id+"/ProcessedObjects", q, offset, limit, len(out), window(out, offset, limit)))
		}
	case "GET /RestorePoints", "GET /RestorePoints/{id}":
		if v < 6 {
			notServed()
			return true
		}
		if len(parts) > 1 {
			var found *restorePoint
			for _, p := range d.points {
				if p.id == parts[1] {
					found = p
				}
			}
			s.serveOne(w, found != nil, "Restore point", func() obj { return s.restorePointJSON(found) })
			return true
		}
		s.listRestorePoints(w, q)
	case "GET /RestoreSessions":
		s.listRestoreSessions(w, q)
	case "GET /RestoreSessions/{id}":
		rs := d.restoreByID[parts[1]]
		s.serveOne(w, rs != nil, "Restore session", func() obj { return s.restoreSessionJSON(rs) })
	case "GET /RestoreSessions/{id}/Events":
		rs := d.restoreByID[parts[1]]
		if rs == nil {
			s.fail(w, http.StatusNotFound, "ResourceNotFound", "Restore session with the specified ID was not found.")
			return true
		}
		var out []obj
		for i, e := range rs.at(s.opts.Now()).events {
			out = append(out, s.restoreEventJSON(rs, i, e))
		}
		offset, limit := paging(q)
		s.writeJSON(w, s.page("/RestoreSessions/"+rs.id+"/Events", q, offset, limit, len(out), window(out, offset, limit)))
	case "GET /RestoreSessions/{id}/Statistics":
		rs := d.restoreByID[parts[1]]
		if v < 8 {
			notServed()
			return true
		}
		s.serveOne(w, rs != nil, "Restore session", func() obj { return s.restoreStatisticsJSON(rs) })
	default:
		return false
	}
	return true
}

// listRestorePoints filters as the version does: v6 answers the whole
// (filtered) collection as an array, later versions page it newest first.
func (s *Server) listRestorePoints(w http.ResponseWriter, q url.Values) {
	v := s.opts.Version
	now := s.opts.Now()
	var from, to time.Time
	if v == 6 {
		from, _ = time.Parse(time.RFC3339Nano, q.Get("backupTime"))
	} else {
		from, _ = time.Parse(time.RFC3339Nano, q.Get("from"))
		to, _ = time.Parse(time.RFC3339Nano, q.Get("to"))
	}
	var out []obj
	for _, p := range s.data.points {
		ss := p.session
		end := ss.created.Add(ss.duration)
		switch {
		case end.After(now),
			q.Get("jobId") != "" && !strings.EqualFold(q.Get("jobId"), ss.job.id),
			q.Get("organizationId") != "" && !strings.EqualFold(q.Get("organizationId"), ss.job.org.id),
			q.Get("repositoryId") != "" && !strings.EqualFold(q.Get("repositoryId"), ss.job.repository),
			q.Get("isLongTermCopy") != "" && (q.Get("isLongTermCopy") == "true") != s.longTermCopy(p),
			v >= 7 && q.Get("isCopy") != "" && (q.Get("isCopy") == "true") != ss.job.copy,
			!from.IsZero() && end.Before(from),
			!to.IsZero() && end.After(to),
			v >= 8 && !s.pointHolds(p, q):
			continue
		}
		out = append(out, s.restorePointJSON(p))
	}
	if v == 6 {
		if out == nil {
			out = []obj{}
		}
		s.writeJSON(w, out)
		return
	}
	if q.Get("orderAsc") == "true" {
		reverse(out)
	}
	offset, limit := paging(q)
	s.writeJSON(w, s.page("/RestorePoints", q, offset, limit, len(out), window(out, offset, limit)))
}

// listRestoreSessions answers newest first: a bare array on v3 and v4, pages
// later; the time filters from v6 (start) and v8 (end, order).
func (s *Server) listRestoreSessions(w http.ResponseWriter, q url.Values) {
	v := s.opts.Version
	now := s.opts.Now()
	var bounds [4]time.Time // start from, start to, end from, end to
	if v >= 6 {
		bounds[0], _ = time.Parse(time.RFC3339Nano, q.Get("startTimeFrom"))
		bounds[1], _ = time.Parse(time.RFC3339Nano, q.Get("startTimeTo"))
	}
	if v >= 8 {
		bounds[2], _ = time.Parse(time.RFC3339Nano, q.Get("endTimeFrom"))
		bounds[3], _ = time.Parse(time.RFC3339Nano, q.Get("endTimeTo"))
	}
	var out []obj
	for _, rs := range s.data.restores {
		end := rs.at(now).end
		switch {
		case rs.created.After(now),
			!bounds[0].IsZero() && rs.created.Before(bounds[0]),
			!bounds[1].IsZero() && rs.created.After(bounds[1]),
			!bounds[2].IsZero() && (end == nil || end.Before(bounds[2])),
			!bounds[3].IsZero() && (end == nil || end.After(bounds[3])):
			continue
		}
		out = append(out, s.restoreSessionJSON(rs))
	}
	if v >= 8 && q.Get("orderAsc") == "true" {
		reverse(out)
	}
	if v <= 4 {
		if out == nil {
			out = []obj{}
		}
		s.writeJSON(w, out)
		return
	}
	offset, limit := paging(q)
	s.writeJSON(w, s.page("/RestoreSessions", q, offset, limit, len(out), window(out, offset, limit)))
}

func reverse[T any](items []T) {
	for i, j := 0, len(items)-1; i < j; i, j = i+1, j-1 {
		items[i], items[j] = items[j], items[i]
	}
}

// pointHolds reports whether a restore point holds the object v8's
// userId, groupId, siteId or teamId names (true when none is named): an
// object of the point's organization that the point's repository holds.
func (s *Server) pointHolds(p *restorePoint, q url.Values) bool {
	for _, param := range []string{"userId", "groupId", "siteId", "teamId"} {
		id := q.Get(param)
		if id == "" {
			continue
		}
		held := false
		for _, r := range s.data.backups[p.session.job.repository] {
			if strings.EqualFold(r.member.id, id) && r.member.org == p.session.job.org &&
				strings.EqualFold(r.member.kind, strings.TrimSuffix(param, "Id")) {
				held = true
			}
		}
		if !held {
			return false
		}
	}
	return true
}
