package vb365sim

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// What was backed up and what was restored: the objects of each
// organization (users, groups, sites, teams), the objects each session
// processed (v7+), the restore points of the successful sessions (v6+) and
// restore sessions with their events, one of them running. Fixed, like the
// rest, by names and the anchor.

// member is an object of an organization that a job backs up.
type member struct {
	id, kind string // kind: User, Group, Site, Team
	org      *organization
	name     string // users: the sign-in address; sites: the title
	display  string
	account  string        // users: User or Shared
	licensed *licensedUser // users who hold a license
	// directoryOnly: in the organization's directory but never processed by
	// a session here (shared mailboxes, users no job backs up)
	directoryOnly bool
}

// url is where a site lives, or a team's address.
func (m *member) url() string {
	return "https://" + m.org.office + ".sharepoint.com/sites/" + strings.ReplaceAll(strings.ToLower(m.display), " ", "")
}

func (m *member) mail() string {
	return strings.ReplaceAll(strings.ToLower(m.display), " ", "") + "@" + m.org.name
}

// processed is one object a session processed, with its outcome.
type processed struct {
	member *member
	status string // Success, Warning, Failed
}

type restorePoint struct {
	id      string
	session *session
}

type restoreEvent struct {
	id, kind, status    string // kind: Restore, Export, Save, Send
	item, itemType      string
	size                int64
	source, target, msg string
	offset, duration    time.Duration // from the session's start
}

type restoreSession struct {
	id, name, kind string // kind: Vex, Veod, Vesp, Vet
	org            *organization
	created        time.Time
	duration       time.Duration
	result         string // Success, Warning, Failed (as it ends)
	by, scope      string
	host, reason   string
	live           bool // advances with the clock
	events         []restoreEvent
}

// restoreState is what a restore session looks like at time now.
type restoreState struct {
	state, result, details string
	end                    *time.Time
	events                 []restoreEvent // those begun by now; the newest may still run
}

func (r *restoreSession) at(now time.Time) restoreState {
	end := r.created.Add(r.duration)
	if !r.live || !now.Before(end) {
		done := 0
		for _, e := range r.events {
			if e.status != "Failed" && e.status != "Skipped" {
				done++
			}
		}
		return restoreState{state: "Stopped", result: r.result, end: &end, events: r.events,
			details: fmt.Sprintf("%d of %d items restored", done, len(r.events))}
	}
	elapsed := now.Sub(r.created)
	var begun []restoreEvent
	for _, e := range r.events {
		if e.offset > elapsed {
			break
		}
		if e.offset+e.duration > elapsed {
			e.status, e.msg = "Running", "Restoring "+e.item
		}
		begun = append(begun, e)
	}
	done := len(begun)
	if done > 0 && begun[done-1].status == "Running" {
		done--
	}
	return restoreState{state: "Working", result: "Success", events: begun,
		details: fmt.Sprintf("%d of %d items restored", done, len(r.events))}
}

// restoreData is the part of the dataset this file builds.
type restoreData struct {
	members       []*member
	memberByID    map[string]*member
	points        []*restorePoint // newest first
	restores      []*restoreSession
	restoreByID   map[string]*restoreSession
	processedMemo map[string][]processed // finished sessions' objects never change
	explored      int                    // restore sessions opened by clients
	deviceCodes   map[string]bool        // restore sign-ins' codes handed out, each taken as signed in with
}

var (
	groupNames = []string{"All Company", "Finance", "Sales", "Board"}
	siteNames  = []string{"Intranet", "Finance Reports", "Projects", "HR Policies"}
	teamNames  = []string{"Marketing", "Engineering", "Leadership"}
)

// newRestoreData builds the objects of the organizations, the restore points
// of the sessions that ended well, and the restore sessions of the last
// thirty days, one of them still running at the anchor.
func newRestoreData(d *dataset, anchor time.Time, version int) restoreData {
	r := restoreData{memberByID: map[string]*member{}, restoreByID: map[string]*restoreSession{}, processedMemo: map[string][]processed{},
		deviceCodes: map[string]bool{}}
	add := func(m *member) {
		r.members = append(r.members, m)
		r.memberByID[m.id] = m
	}
	for _, u := range d.users {
		local, _, _ := strings.Cut(u.name, "@")
		add(&member{id: u.id, kind: "User", org: u.org, name: u.name, display: "User " + strings.TrimPrefix(local, "user"), account: "User", licensed: u})
	}
	for oi, o := range d.orgs {
		n := []int{4, 2, 1}[oi]
		for i := range n {
			add(&member{id: d.of(fmt.Sprintf("group-%d-%d", oi, i)), kind: "Group", org: o, name: groupNames[i], display: groupNames[i]})
			add(&member{id: d.of(fmt.Sprintf("site-%d-%d", oi, i)), kind: "Site", org: o, name: siteNames[i], display: siteNames[i]})
			if i < 3 && o.teams {
				add(&member{id: d.of(fmt.Sprintf("team-%d-%d", oi, i)), kind: "Team", org: o, name: teamNames[i], display: teamNames[i]})
			}
		}
	}
	if version >= 6 {
		for _, ss := range d.sessions {
			if !ss.live && (ss.status == "Success" || ss.status == "Warning") {
				r.points = append(r.points, &restorePoint{id: d.of("point-" + ss.id), session: ss})
			}
		}
		sort.SliceStable(r.points, func(a, b int) bool { // newest backup first
			return r.points[a].session.created.Add(r.points[a].session.duration).After(r.points[b].session.created.Add(r.points[b].session.duration))
		})
	}
	kinds := []struct{ kind, what, itemType, source string }{
		{"Vex", "Exchange", "Mailbox folder", "Inbox"},
		{"Veod", "OneDrive", "Document", "Documents/Quarterly report.xlsx"},
		{"Vesp", "SharePoint", "Document library", "Shared Documents"},
		{"Vet", "Teams", "Channel", "General"},
	}
	people := map[string][]string{d.orgs[0].id: {`CONTOSO\helpdesk`, `CONTOSO\j.smith`}, d.orgs[1].id: {`FABRIKAM\admin`}, d.orgs[2].id: {`TAILSPIN\it`}}
	for i := range 24 {
		name := fmt.Sprintf("restore-%d", i)
		h := hashOf(name)
		k := kinds[h%4]
		org := d.orgs[[]int{0, 0, 0, 1, 1, 2}[h%6]]
		if k.kind == "Vet" && !org.teams {
			k = kinds[0]
		}
		rs := &restoreSession{
			id: d.of(name), kind: k.kind, org: org,
			created:  anchor.Add(-time.Duration(1+i) * 29 * time.Hour).Add(-time.Duration(h%600) * time.Second),
			duration: time.Duration(2+h%12) * time.Minute,
			result:   []string{"Success", "Success", "Success", "Warning", "Failed"}[h%5],
			by:       people[org.id][h%uint64(len(people[org.id]))], host: "vbo-server01.contoso.local",
			reason: []string{"User request", "Accidental deletion", "Litigation hold review", ""}[h%4],
		}
		if i == 0 { // running at the anchor
			rs.created, rs.duration, rs.result, rs.live = anchor.Add(-3*time.Minute), 8*time.Minute, "Success", true
		}
		if h%3 == 0 {
			rs.scope = "Restore Portal: " + org.name
		}
		rs.name = fmt.Sprintf("%s restore (%s)", k.what, rs.by)
		n := 3 + int(h%6)
		step := rs.duration / time.Duration(n+1)
		owner := d.users[int(h%uint64(len(d.users)))]
		for e := range n {
			ev := restoreEvent{
				id: d.of(fmt.Sprintf("%s-event-%d", name, e)), kind: []string{"Restore", "Restore", "Export", "Save", "Send"}[(h+uint64(e))%5],
				status: "Success", item: fmt.Sprintf("%s %d", k.source, e+1), itemType: k.itemType,
				size:   int64(1+(h>>uint(e))%900) * 1 << 20,
				source: owner.name + "/" + k.source, target: owner.name + "/Restored items",
				offset: time.Duration(e) * step, duration: step * 3 / 4,
			}
			ev.msg = ev.kind + " of " + ev.item + " completed"
			switch {
			case rs.result == "Failed" && e == n-1:
				ev.status, ev.msg = "Failed", "Access to the target mailbox was denied"
			case rs.result == "Warning" && e == 1:
				ev.status, ev.msg = "Warning", "2 items were skipped: they exceed the size limit of the target"
			}
			rs.events = append(rs.events, ev)
		}
		r.restores = append(r.restores, rs)
		r.restoreByID[rs.id] = rs
	}
	return r
}

// kindProcessed is the kind of object a job backs up, by what it is for.
func kindProcessed(j *job) string {
	switch {
	case strings.Contains(j.name, "SharePoint"):
		return "Site"
	case strings.Contains(j.name, "Teams"):
		return "Team"
	case strings.Contains(j.name, "Exchange Online"):
		return "Group" // a whole organization's job processes groups as well
	default:
		return "User"
	}
}

// processedObjects are the objects a session has processed by now: those of
// its job's kind in its organization (users too, for a job with groups),
// with failures and warnings that match the session's outcome.
func (s *Server) processedObjects(ss *session) []processed {
	st := ss.at(s.opts.Now())
	if st.status != "Running" {
		s.mu.Lock()
		memo, ok := s.data.processedMemo[ss.id]
		s.mu.Unlock()
		if ok {
			return memo
		}
	}
	kind := kindProcessed(ss.job)
	var pool []*member
	for _, m := range s.data.members {
		if m.org == ss.job.org && (m.kind == kind || kind == "Group" && m.kind == "User") {
			pool = append(pool, m)
		}
	}
	h := hashOf("objects-" + ss.id)
	n := min(len(pool), 3+int(h%24))
	switch {
	case st.status == "Running":
		n = int(float64(n) * st.fraction)
	case st.status == "Stopped":
		n /= 2
	}
	out := make([]processed, n)
	for i := range n {
		m := pool[(int(h>>8)+i)%len(pool)]
		out[i] = processed{member: m, status: "Success"}
	}
	if n > 0 {
		bad := int(h>>16) % n
		switch st.status {
		case "Warning":
			out[bad].status = "Warning"
		case "Failed":
			out[bad].status = "Failed"
			out[(bad+1)%n].status = "Failed"
		}
	}
	if st.status != "Running" {
		s.mu.Lock()
		s.data.processedMemo[ss.id] = out
		s.mu.Unlock()
	}
	return out
}
