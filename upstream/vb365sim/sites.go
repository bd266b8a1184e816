package vb365sim

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Inside SharePoint and Teams restore sessions: the organization's sites
// (each with a Documents library holding a Policies folder, a Tasks list,
// documents and list items) and teams (each with a General and a Projects
// channel, their posts, files and tabs), made from names like the rest.

// serveSites answers a SharePoint session's sites and what is in them;
// false: not one of those routes.
func (s *Server) serveSites(w http.ResponseWriter, r *http.Request, parts []string) bool {
	rs, release, mine := s.browsed(w, r, parts, "sites", "Vesp")
	if rs == nil {
		return mine
	}
	defer release()
	q := r.URL.Query()
	path := "/RestoreSessions/" + rs.id + "/Organization/Sites"
	sites := s.objectsOf(rs.org, "Site")
	if len(parts) == 4 {
		var out []obj
		for _, m := range sites {
			out = append(out, obj{{"id", m.id}, {"name", m.name}, {"url", s.siteURL(m)}, {"_links", obj{{"self", link(s.href(path + "/" + m.id))}}}})
		}
		s.serveDirectoryPage(w, q, path, out)
		return true
	}
	site := s.data.memberByID[parts[4]]
	if site == nil || site.kind != "Site" || site.org != rs.org || len(parts) != 6 {
		s.fail(w, http.StatusNotFound, "ResourceNotFound", "Site with the specified ID was not found.")
		return true
	}
	created := timeText(s.opts.Anchor.Add(-400 * 24 * time.Hour))
	id := func(name string) string {
		return fmt.Sprintf("%08x-%s", hashOf(site.id+name), strings.ToLower(strings.ReplaceAll(name, " ", "-")))
	}
	container := func(name string) obj {
		return obj{{"id", id(name)}, {"name", name}, {"url", s.siteURL(site) + "/" + strings.ReplaceAll(name, " ", "")}, {"description", name + " of " + site.name},
			{"creationTime", created}, {"siteId", site.id}}
	}
	entry := func(eid, name string, folder bool, i int) obj {
		when := timeText(s.opts.Anchor.Add(-time.Duration(i+1) * 7 * time.Hour))
		o := obj{{"id", eid}, {"name", name}, {"version", "2.0"}, {"createdBy", "SharePoint App"}, {"creationTime", created},
			{"modifiedBy", "Megan Bowen"}, {"modificationTime", when}, {"isFolder", folder}, {"siteId", site.id}}
		if !folder {
			o = append(o, kv{"sizeBytes", int64(30_000 + 977*i)})
		}
		return o
	}
	var out []obj
	parent := q.Get("parentId")
	switch parts[5] {
	case "libraries":
		out = []obj{container("Documents"), container("Site Assets")}
	case "lists":
		out = []obj{container("Tasks"), container("Announcements")}
	case "folders":
		if parent == "" {
			out = []obj{entry(id("Policies"), "Policies", true, 0)}
		}
	case "documents":
		count, prefix := 6, "Handbook"
		if parent == id("Policies") {
			count, prefix = 4, "Policy"
		} else if parent != "" {
			count = 0
		}
		for i := range count {
			out = append(out, entry(id(fmt.Sprintf("%s %d", prefix, i+1)), fmt.Sprintf("%s %d.docx", prefix, i+1), false, i))
		}
	case "items":
		if parent == "" {
			for i := range 5 {
				item := entry(id(fmt.Sprintf("Task %d", i+1)), fmt.Sprintf("%d_.000", i+1), false, i)
				out = append(out, append(item, kv{"title", fmt.Sprintf("Task %d", i+1)}))
			}
		}
	default:
		s.fail(w, http.StatusNotFound, "ResourceNotFound", "No HTTP resource was found that matches the request URI.")
		return true
	}
	s.serveDirectoryPage(w, q, path+"/"+site.id+"/"+parts[5], out)
	return true
}

// objectsOf are an organization's objects of a kind (Site, Team).
func (s *Server) objectsOf(o *organization, kind string) []*member {
	var out []*member
	for _, m := range s.data.directory[o.id] {
		if m.kind == kind {
			out = append(out, m)
		}
	}
	return out
}

func (s *Server) siteURL(m *member) string {
	return "https://" + strings.SplitN(m.org.name, ".", 2)[0] + ".sharepoint.com/sites/" + strings.ReplaceAll(m.name, " ", "")
}

// serveTeams answers a Teams session's teams and what is in them (v6+);
// false: not one of those routes.
func (s *Server) serveTeams(w http.ResponseWriter, r *http.Request, parts []string) bool {
	if s.opts.Version < 6 {
		return false
	}
	rs, release, mine := s.browsed(w, r, parts, "teams", "Vet")
	if rs == nil {
		return mine
	}
	defer release()
	q := r.URL.Query()
	path := "/RestoreSessions/" + rs.id + "/organization/teams"
	teams := s.objectsOf(rs.org, "Team")
	if len(parts) == 4 {
		var out []obj
		for _, m := range teams {
			out = append(out, obj{{"id", m.id}, {"displayName", m.name}, {"description", "The " + m.name + " team"},
				{"groupEmail", strings.ToLower(m.name) + "@" + m.org.name}, {"privacy", "Private"}, {"isArchived", false}})
		}
		s.serveDirectoryPage(w, q, path, out)
		return true
	}
	team := s.data.memberByID[parts[4]]
	if team == nil || team.kind != "Team" || team.org != rs.org || len(parts) < 6 {
		s.fail(w, http.StatusNotFound, "ResourceNotFound", "Team with the specified ID was not found.")
		return true
	}
	channelID := func(name string) string { return fmt.Sprintf("19:%08x@thread.tacv2", hashOf(team.id+name)) }
	channels := map[string]string{channelID("General"): "General", channelID("Projects"): "Projects"}
	channel := q.Get("channelId")
	if len(parts) == 8 && parts[5] == "channels" && parts[7] == "tabs" {
		channel = parts[6] // read in lower case, as ids are compared below
	}
	name, known := "", false
	for id, n := range channels {
		if strings.EqualFold(id, channel) {
			channel, name, known = id, n, true
		}
	}
	when := func(i int) string { return timeText(s.opts.Anchor.Add(-time.Duration(i+1) * 3 * time.Hour)) }
	var out []obj
	switch {
	case len(parts) == 6 && parts[5] == "channels":
		for _, n := range []string{"General", "Projects"} {
			out = append(out, obj{{"id", channelID(n)}, {"displayName", n}, {"teamId", team.id}, {"type", "Standard"}})
		}
	case !known:
		s.fail(w, http.StatusNotFound, "ResourceNotFound", "Channel with the specified ID was not found.")
		return true
	case len(parts) == 6 && parts[5] == "posts":
		for i := range 8 {
			post := obj{{"postId", int64(1_700_000_000_000 + i)}, {"isImportant", i == 0}, {"author", fmt.Sprintf("colleague%02d@%s", i%5, team.org.name)},
				{"subject", fmt.Sprintf("%s post %d", name, i+1)}, {"createdTime", when(i)}, {"lastModifiedTime", when(i)}, {"isDeleted", false},
				{"channelId", channel}, {"teamId", team.id}, {"attachments", []obj{}}}
			if i%4 == 3 {
				post = append(post, kv{"parentId", int64(1_700_000_000_000 + i - 1)})
			}
			out = append(out, post)
		}
	case len(parts) == 6 && parts[5] == "files":
		if q.Get("parentId") == "" {
			for i := range 4 {
				out = append(out, obj{{"id", fmt.Sprintf("%08x", hashOf(channel+fmt.Sprint(i)))}, {"name", fmt.Sprintf("%s notes %d.docx", name, i+1)},
					{"sizeBytes", int64(12_000 + 311*i)}, {"version", int64(3)}, {"uiVersion", "3.0"}, {"modified", when(i)},
					{"modifiedBy", "Megan Bowen"}, {"channelId", channel}, {"teamId", team.id}, {"fileType", "File"}})
			}
		}
	case len(parts) == 8:
		for _, tab := range []string{"Wiki", "Planner"} {
			out = append(out, obj{{"id", fmt.Sprintf("%08x", hashOf(channel+tab))}, {"displayName", tab}, {"contentUrl", "https://tasks.office.com/" + strings.ToLower(tab)},
				{"type", tab}, {"channelId", channel}, {"teamId", team.id}})
		}
	default:
		s.fail(w, http.StatusNotFound, "ResourceNotFound", "No HTTP resource was found that matches the request URI.")
		return true
	}
	s.serveDirectoryPage(w, q, path+"/"+team.id+"/"+strings.Join(parts[5:], "/"), out)
	return true
}
