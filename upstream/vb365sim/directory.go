package vb365sim

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Each organization's directory (its users, groups, sites and teams) and
// what the repositories hold of it. Contoso has 60 users: the 40 licensed
// ones, 10 shared mailboxes (which take no license) and 10 users no job
// backs up; 12 of the 60 have no backup anywhere (those 10, and the two
// licensed users not backed up yet). Fixed, like the rest, by names and the
// anchor.

// backupRecord is what one repository holds of one object: each part's
// latest backup (nil: not held). Users have a mailbox, archive, OneDrive and
// personal site; groups a mailbox and site; sites and teams the site part.
type backupRecord struct {
	id                                             string
	member                                         *member
	repo                                           *repository
	mailbox, archive, oneDrive, personalSite, site *time.Time
}

type directoryData struct {
	directory map[string][]*member       // by organization id: users, groups, sites, teams
	backups   map[string][]*backupRecord // by repository id
	oneDrives map[string]bool            // users (by id) who have a OneDrive
}

func newDirectoryData(d *dataset, anchor time.Time) directoryData {
	dd := directoryData{directory: map[string][]*member{}, backups: map[string][]*backupRecord{}, oneDrives: map[string]bool{}}
	records := map[string]*backupRecord{} // by repository and member
	hold := func(m *member, r *repository) *backupRecord {
		key := r.id + m.id
		if records[key] == nil {
			records[key] = &backupRecord{id: d.of("data-" + key), member: m, repo: r}
			dd.backups[r.id] = append(dd.backups[r.id], records[key])
		}
		return records[key]
	}
	at := func(t time.Time) *time.Time { return &t }
	for oi, o := range d.orgs {
		// The repository the organization's jobs write to, and the one
		// holding OneDrives and copies (object storage).
		main, cloud := []*repository{d.repos[0], d.repos[2], d.repos[0]}[oi], d.repos[2]
		var users []*member
		for _, m := range d.members {
			if m.org == o && m.kind == "User" {
				users = append(users, m)
			}
		}
		extra := []int{10, 3, 1}[oi]
		for i := range extra {
			users = append(users, d.addMember(&member{id: d.of(fmt.Sprintf("shared-%d-%d", oi, i)), kind: "User", org: o,
				name: fmt.Sprintf("shared%02d@%s", i, o.name), display: fmt.Sprintf("Shared mailbox %d", i+1), account: "Shared", directoryOnly: true}))
		}
		for i := range []int{10, 2, 1}[oi] {
			n := len(users) - extra + i
			users = append(users, d.addMember(&member{id: d.of(fmt.Sprintf("user-%d-%d", oi, n)), kind: "User", org: o,
				name: fmt.Sprintf("user%02d@%s", n, o.name), display: fmt.Sprintf("User %02d", n), account: "User", directoryOnly: true}))
		}
		for _, m := range users {
			h := hashOf("protection-" + m.id)
			if o.sharePoint && m.account == "User" {
				dd.oneDrives[m.id] = true
			}
			switch {
			case m.account == "Shared":
				hold(m, main).mailbox = at(anchor.Add(-time.Duration(2+h%30) * time.Hour))
			case m.licensed != nil && m.licensed.state != "New":
				last := m.licensed.lastBackup
				home := main
				if oi == 0 {
					home = d.repos[h%2] // Contoso's jobs write to two repositories
				}
				hold(m, home).mailbox = at(last)
				if h%3 == 0 {
					archive := home
					if oi == 0 {
						archive = d.repos[1] // mailbox archives
					}
					hold(m, archive).archive = at(last.Add(-10 * time.Minute))
				}
				if dd.oneDrives[m.id] && h%3 != 2 {
					hold(m, cloud).oneDrive = at(last.Add(-20 * time.Minute))
				}
				if o.sharePoint && h%4 == 0 {
					hold(m, home).personalSite = at(last.Add(-30 * time.Minute))
				}
				if oi == 0 && h%5 == 0 { // an older copy on object storage
					hold(m, cloud).mailbox = at(last.Add(-24 * time.Hour))
				}
			}
		}
		dd.directory[o.id] = users
		for _, kind := range []string{"Group", "Site", "Team"} {
			var of []*member
			for _, m := range d.members {
				if m.org == o && m.kind == kind {
					of = append(of, m)
				}
			}
			for i, m := range of {
				if i == len(of)-1 && len(of) > 1 {
					continue // the newest of each kind is not backed up yet
				}
				when := at(anchor.Add(-time.Duration(3+hashOf("protection-"+m.id)%20) * time.Hour))
				switch {
				case kind == "Group":
					r := hold(m, main)
					r.mailbox = when
					if o.sharePoint {
						r.site = when
					}
				case o.sharePoint:
					hold(m, main).site = when
				}
			}
			dd.directory[o.id] = append(dd.directory[o.id], of...)
		}
	}
	return dd
}

// addMember files a directory-only member.
func (d *dataset) addMember(m *member) *member {
	d.memberByID[m.id] = m
	return m
}

// location is where a member lives: Tailspin on its own premises, two of
// Fabrikam's users in both places.
func (m *member) location() string {
	switch {
	case m.org.kind == "OnPremises":
		return "OnPremises"
	case strings.HasPrefix(m.org.name, "fabrikam") && hashOf("location-"+m.id)%4 == 0:
		return "Hybrid"
	}
	return "Cloud"
}

// membersOf are a group's members: every fourth user of its organization,
// from the group's place among the groups.
func (s *Server) membersOf(g *member) []*member {
	var groups, users []*member
	for _, m := range s.data.directory[g.org.id] {
		switch m.kind {
		case "Group":
			groups = append(groups, m)
		case "User":
			users = append(users, m)
		}
	}
	var out []*member
	for gi, other := range groups {
		if other != g {
			continue
		}
		for i, u := range users {
			if i%len(groups) == gi {
				out = append(out, u)
			}
		}
	}
	return out
}

// memberJSON is an organization's user, group, site or team, in the
// version's shape.
func (s *Server) memberJSON(m *member) obj {
	v := s.opts.Version
	self := kv{"_links", obj{{"self", link(s.href("/Organizations/" + m.org.id + "/" + collectionOf[m.kind] + "/" + m.id))}}}
	var out obj
	switch m.kind {
	case "User":
		out = obj{{"id", m.id}}
		if v >= 7 {
			out = append(out, kv{"onPremisesSid", ""})
		}
		out = append(out, kv{"displayName", m.display}, kv{"name", m.name}, kv{"type", m.account}, kv{"locationType", m.location()})
		if v >= 7 {
			out = append(out, kv{"office", m.org.office})
		}
	case "Group":
		out = obj{{"id", m.id}}
		if v >= 7 {
			out = append(out, kv{"onPremisesSid", ""})
		}
		out = append(out, kv{"displayName", m.display}, kv{"name", m.mail()}, kv{"managedBy", "admin@" + m.org.name},
			kv{"site", m.url()}, kv{"type", "Office365"}, kv{"locationType", m.location()})
	case "Site":
		out = obj{{"id", m.id}, {"url", m.url()}, {"parentUrl", ""}, {"name", m.display}, {"isCloud", true}, {"isPersonal", false},
			{"title", m.name}, {"isAvailable", true}, {"siteCollectionError", ""}}
	default:
		out = obj{{"id", m.id}, {"displayName", m.display}, {"description", m.display + " team"}, {"mail", m.mail()}}
	}
	if v >= 8 {
		out = append(out, kv{"eTag", int64(1)}, kv{"msid", nil}, kv{"dataLocation", nil})
	}
	return append(out, self)
}

// dataFields are the fields a backed-up data item starts with: from v6 its
// type and repository (which v6's file requires without describing them),
// on v7 whether it is deleted and its proxy as well.
func (s *Server) dataFields(r *backupRecord, itemType string) obj {
	v := s.opts.Version
	var out obj
	if v == 7 {
		out = append(out, kv{"isDeleted", false})
	}
	if v >= 6 {
		out = append(out, kv{"itemType", itemType}, kv{"repositoryId", r.repo.id})
	}
	if v == 7 {
		out = append(out, kv{"proxyId", r.repo.proxy.id})
	}
	return out
}

// dataOrganization ends an item: its organization, in the version's words.
func (s *Server) dataOrganization(o *organization) obj {
	out := obj{{"organizationId", o.id}}
	if s.opts.Version >= 7 {
		out = append(out, kv{"backedUpOrganizationId", o.id})
	}
	return out
}

func timeOrNull(t *time.Time) any {
	if t == nil {
		return nil
	}
	return timeText(*t)
}

func (s *Server) userDataJSON(r *backupRecord) obj {
	m := r.member
	account := map[string]string{"User": "User", "Shared": "SharedMailbox"}[m.account]
	var oneDrives, personal []string
	if r.oneDrive != nil {
		oneDrives = []string{s.oneDriveURL(m)}
	}
	if r.personalSite != nil {
		personal = []string{s.oneDriveURL(m)}
	}
	out := append(s.dataFields(r, "User"),
		kv{"mailboxBackedUpTime", timeOrNull(r.mailbox)}, kv{"archiveBackedUpTime", timeOrNull(r.archive)},
		kv{"oneDriveBackedUpTime", timeOrNull(r.oneDrive)}, kv{"personalSiteBackedUpTime", timeOrNull(r.personalSite)},
		kv{"isMailboxBackedUp", r.mailbox != nil}, kv{"isOneDriveBackedUp", r.oneDrive != nil},
		kv{"isArchiveBackedUp", r.archive != nil}, kv{"isPersonalSiteBackedUp", r.personalSite != nil},
		kv{"accountType", account}, kv{"archiveName", map[bool]string{true: "In-Place Archive - " + m.display}[r.archive != nil]},
		kv{"id", r.id}, kv{"accountId", m.id}, kv{"displayName", m.display}, kv{"email", m.name},
		kv{"oneDriveUrl", orNone(oneDrives)}, kv{"personalSiteUrl", orNone(personal)})
	return append(out, s.dataOrganization(m.org)...)
}

func (s *Server) groupDataJSON(r *backupRecord) obj {
	m := r.member
	var sites []string
	if r.site != nil {
		sites = []string{m.url()}
	}
	out := append(s.dataFields(r, "Group"),
		kv{"isMailboxBackedUp", r.mailbox != nil}, kv{"isSiteBackedUp", r.site != nil},
		kv{"mailboxBackedUpTime", timeOrNull(r.mailbox)}, kv{"siteBackedUpTime", timeOrNull(r.site)},
		kv{"id", r.id}, kv{"accountId", m.id}, kv{"displayName", m.display}, kv{"email", m.mail()}, kv{"groupSiteUrl", orNone(sites)})
	return append(out, s.dataOrganization(m.org)...)
}

func (s *Server) siteDataJSON(r *backupRecord) obj {
	m := r.member
	out := append(obj{{"id", m.id}}, s.dataFields(r, "Site")...)
	out = append(out, kv{"title", m.name}, kv{"url", m.url()}, kv{"backedUpTime", timeOrNull(r.site)})
	out = append(out, s.dataOrganization(m.org)...)
	if s.opts.Version >= 8 {
		out = append(out, kv{"msid", nil})
	}
	return out
}

func (s *Server) teamDataJSON(r *backupRecord) obj {
	m := r.member
	out := append(obj{{"id", m.id}}, s.dataFields(r, "Team")...)
	out = append(out, kv{"displayName", m.display}, kv{"backedUpTime", timeOrNull(r.site)})
	out = append(out, s.dataOrganization(m.org)...)
	if s.opts.Version >= 8 {
		out = append(out, kv{"msid", nil})
	}
	return out
}

func orNone(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (s *Server) oneDriveURL(m *member) string {
	return "https://" + m.org.office + "-my.sharepoint.com/personal/" + strings.NewReplacer("@", "_", ".", "_").Replace(m.name)
}

// serveDirectory answers the directory's and the backed-up data's routes;
// false: not one of them.
func (s *Server) serveDirectory(w http.ResponseWriter, route string, parts []string, q url.Values) bool {
	d := s.data
	switch route {
	case "GET /Organizations/{id}/Users", "GET /Organizations/{id}/Groups", "GET /Organizations/{id}/Sites", "GET /Organizations/{id}/Teams":
		o := d.orgByID[parts[1]]
		if o == nil {
			s.fail(w, http.StatusNotFound, "ResourceNotFound", "Organization with the specified ID was not found.")
			return true
		}
		kind := map[string]string{"users": "User", "groups": "Group", "sites": "Site", "teams": "Team"}[parts[2]]
		var out []obj
		for _, m := range d.directory[o.id] {
			if m.kind == kind && s.listed(m, q) {
				out = append(out, s.memberJSON(m))
			}
		}
		s.serveDirectoryPage(w, q, "/Organizations/"+o.id+"/"+collectionOf[kind], out)
	case "GET /Organizations/{id}/Users/{id}", "GET /Organizations/{id}/Groups/{id}", "GET /Organizations/{id}/Sites/{id}", "GET /Organizations/{id}/Teams/{id}":
		m := d.memberByID[parts[3]]
		found := m != nil && m.org.id == parts[1] && strings.EqualFold(collectionOf[m.kind], parts[2])
		s.serveOne(w, found, "Organization object", func() obj { return s.memberJSON(m) })
	case "GET /Organizations/{id}/Groups/{id}/Members":
		g := d.memberByID[parts[3]]
		if g == nil || g.kind != "Group" || g.org.id != parts[1] {
			s.fail(w, http.StatusNotFound, "ResourceNotFound", "Group with the specified ID was not found.")
			return true
		}
		var out []obj
		for _, u := range s.membersOf(g) {
			m := obj{{"groupId", g.id}, {"name", u.display}, {"login", u.name}, {"type", "User"}, {"isCloud", u.location() != "OnPremises"}}
			if s.opts.Version >= 8 {
				m = append(m, kv{"dataLocation", nil})
			}
			out = append(out, append(m, kv{"_links", obj{{"user", link(s.href("/Organizations/" + u.org.id + "/Users/" + u.id))}}}))
		}
		s.serveDirectoryPage(w, q, "/Organizations/"+g.org.id+"/Groups/"+g.id+"/Members", out)
	case "GET /Organizations/{id}/Users/{id}/OneDrives":
		u := d.memberByID[parts[3]]
		if u == nil || u.kind != "User" || u.org.id != parts[1] {
			s.fail(w, http.StatusNotFound, "ResourceNotFound", "User with the specified ID was not found.")
			return true
		}
		out := []obj{}
		if d.oneDrives[u.id] {
			out = append(out, obj{{"id", d.of("onedrive-" + u.id)}, {"name", u.display}, {"url", s.oneDriveURL(u)},
				{"_links", obj{{"self", link(s.href("/Organizations/" + u.org.id + "/Users/" + u.id + "/OneDrives/" + d.of("onedrive-"+u.id)))}}}})
		}
		s.serveDirectoryPage(w, q, "/Organizations/"+u.org.id+"/Users/"+u.id+"/OneDrives", out)
	case "GET /BackupRepositories/{id}/UserData", "GET /BackupRepositories/{id}/GroupData", "GET /BackupRepositories/{id}/SiteData",
		"GET /BackupRepositories/{id}/TeamData", "GET /BackupRepositories/{id}/OrganizationData", "GET /BackupRepositories/{id}/backedupOrganizations":
		r := d.repoByID[parts[1]]
		if r == nil {
			s.fail(w, http.StatusNotFound, "ResourceNotFound", "Repository with the specified ID was not found.")
			return true
		}
		s.serveRepositoryData(w, q, r, route[strings.LastIndex(route, "/")+1:])
	default:
		return false
	}
	return true
}

// serveRepositoryData answers a repository's backed-up data of a kind.
func (s *Server) serveRepositoryData(w http.ResponseWriter, q url.Values, r *repository, kind string) {
	var out []obj
	seen := map[*organization]bool{}
	for _, rec := range s.data.backups[r.id] {
		m := rec.member
		switch {
		case kind == "UserData" && m.kind == "User":
			out = append(out, s.userDataJSON(rec))
		case kind == "GroupData" && m.kind == "Group":
			out = append(out, s.groupDataJSON(rec))
		case kind == "SiteData" && m.kind == "Site":
			out = append(out, s.siteDataJSON(rec))
		case kind == "TeamData" && m.kind == "Team":
			out = append(out, s.teamDataJSON(rec))
		case kind == "OrganizationData" && !seen[m.org]:
			seen[m.org] = true
			o := obj{{"displayName", m.org.name}}
			o = append(o, s.dataOrganization(m.org)...)
			if s.opts.Version >= 8 {
				o = append(o, kv{"msid", nil})
			}
			out = append(out, o)
		}
	}
	if kind == "backedupOrganizations" {
		for _, o := range s.data.orgs {
			if used, _ := s.usage(o, r); used > 0 {
				cache, storage := s.storageOf(r, used)
				out = append(out, obj{{"name", o.name}, {"id", o.id}, {"usedSpaceBytes", used},
					{"localCacheUsedSpaceBytes", cache}, {"objectStorageUsedSpaceBytes", storage}})
			}
		}
	}
	s.servePaged(w, q, "/BackupRepositories/"+r.id+"/"+kind, out)
}

// listed applies a directory listing's filters as the version does: text
// contained, ignoring case (v6+; earlier versions take none but the one
// for personal sites, which no site here is).
func (s *Server) listed(m *member, q url.Values) bool {
	v := s.opts.Version
	contains := func(have, param string) bool {
		want := q.Get(param)
		return want == "" || strings.Contains(strings.ToLower(have), strings.ToLower(want))
	}
	switch {
	case v < 6:
		return true
	case m.kind == "User" && !contains(m.name, "userName"), m.kind == "Group" && !contains(m.mail(), "groupName"):
		return false
	case m.kind == "Site":
		return v < 7 || contains(m.name, "filter")
	case !contains(m.display, "displayName"):
		return false
	}
	switch loc := m.location(); q.Get("locationFilter") {
	case "Cloud", "OnPremises", "Hybrid":
		return loc == q.Get("locationFilter")
	case "CloudOrHybrid":
		return loc != "OnPremises"
	case "OnPremisesOrHybrid":
		return loc != "Cloud"
	}
	return true
}

// serveDirectoryPage answers a directory listing: a bare array on v3 and
// v4, pages from v5, naming their result set from v6. A page asking for
// another set than its listing's is refused, as a server whose set has
// expired refuses it.
func (s *Server) serveDirectoryPage(w http.ResponseWriter, q url.Values, path string, items []obj) {
	if s.opts.Version < 6 {
		s.servePaged(w, q, path, items)
		return
	}
	filters := url.Values{}
	for k, vs := range q {
		if k != "offset" && k != "limit" && k != "setId" {
			filters[k] = vs
		}
	}
	set := uuidFor("set " + path + "?" + filters.Encode())
	if asked := q.Get("setId"); asked != "" && !strings.EqualFold(asked, set) {
		s.fail(w, http.StatusBadRequest, "ParameterValidationFailure", "The specified set ID was not found or has expired.")
		return
	}
	offset, limit := paging(q)
	page := s.page(path, q, offset, limit, len(items), window(items, offset, limit)).(obj)
	s.writeJSON(w, append(page, kv{"setId", set}))
}

// DirectoryIDs are the ids of an organization's objects of a kind (User,
// Group, Site, Team), in the order its directory lists them.
func (s *Server) DirectoryIDs(organizationID, kind string) []string {
	var ids []string
	for _, m := range s.data.directory[organizationID] {
		if m.kind == kind {
			ids = append(ids, m.id)
		}
	}
	return ids
}
