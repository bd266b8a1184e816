package vb365sim

import (
	"net/http"
	"net/url"
	"strings"
)

// What each backup job selects and leaves out (v6+). A job of an
// organization's whole data (the first of each organization's) selects
// the organization and excludes its users no job backs up; the others
// select a few users, a group, a site and a team.

// Veeam's item ids join a type's fixed id and the object's.
var jobItemPrefix = map[string]string{"User": "2b38d840-8098-4614-b369-ebce33f9b2c7", "Group": "9592732d-22d8-426a-8167-d9635158e945",
	"Site": "e1fa728c-4150-4724-ab3b-5deda33db0cf", "Team": "7b985334-bc0e-4791-b30c-d03a1fecc840", "PartialOrganization": "c37da450-6c4b-48c4-87e2-cc557ef5d897"}

// jobItems are a job's selected (or excluded) items.
func (s *Server) jobItems(j *job, excluded bool) []obj {
	d := s.data
	wholeOrg := false
	for _, other := range d.jobs {
		if other.org == j.org && !other.copy {
			wholeOrg = other == j
			break
		}
	}
	item := func(kind string, m *member, parts ...kv) obj {
		id := jobItemPrefix[kind]
		if m != nil {
			id += m.id
		} else {
			id += j.org.id
		}
		out := obj{{"type", kind}, {"id", id}}
		out = append(out, parts...)
		if m != nil {
			out = append(out, kv{strings.ToLower(kind), s.memberJSON(m)})
		}
		return out
	}
	var out []obj
	members := d.directory[j.org.id]
	switch {
	case wholeOrg && excluded:
		for _, m := range members {
			if m.kind == "User" && m.directoryOnly && m.account == "User" {
				out = append(out, item("User", m, kv{"mailbox", true}, kv{"oneDrive", true}, kv{"archiveMailbox", true}))
			}
		}
	case wholeOrg:
		out = append(out, item("PartialOrganization", nil, kv{"mailbox", true}, kv{"oneDrive", j.org.sharePoint}, kv{"archiveMailbox", true},
			kv{"sites", j.org.sharePoint}, kv{"teams", j.org.teams}, kv{"teamsChats", false}))
	case excluded:
	default:
		users := 0
		for _, m := range members {
			if m.kind == "User" && m.licensed != nil && users < 3 && hashOf(j.id+m.id)%2 == 0 {
				users++
				out = append(out, item("User", m, kv{"mailbox", true}, kv{"oneDrive", j.org.sharePoint}, kv{"archiveMailbox", hashOf(m.id)%3 == 0}))
			}
		}
		for _, m := range d.members {
			if m.org == j.org && m.kind != "User" {
				out = append(out, item(m.kind, m, kv{"mailbox", m.kind == "Group"}, kv{"sites", m.kind != "Team"}, kv{"teams", m.kind == "Team"}))
			}
		}
	}
	return out
}

// serveJobItems answers GET /Jobs/{id}/SelectedItems and /ExcludedItems:
// a bare array on v6 and v7, pages with a result set on v8.
func (s *Server) serveJobItems(w http.ResponseWriter, route string, parts []string, q url.Values) bool {
	if route != "GET /Jobs/{id}/SelectedItems" && route != "GET /Jobs/{id}/ExcludedItems" {
		return false
	}
	j := s.data.jobByID[parts[1]]
	switch {
	case s.opts.Version < 6:
		s.fail(w, http.StatusNotFound, "ResourceNotFound", "No HTTP resource was found that matches the request URI.")
	case j == nil || j.copy:
		s.fail(w, http.StatusNotFound, "ResourceNotFound", "Job with the specified ID was not found.")
	case s.opts.Version < 8:
		items := s.jobItems(j, parts[2] == "excludeditems")
		if items == nil {
			items = []obj{}
		}
		s.writeJSON(w, items)
	default:
		s.serveDirectoryPage(w, q, "/Jobs/"+j.id+"/"+parts[2], s.jobItems(j, parts[2] == "excludeditems"))
	}
	return true
}
