package vb365sim

import (
	"cmp"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Restore sessions a client opens to explore an organization's backups
// (v6+ /explore and /Stop; v3..v5 the organization's and the session's
// /Action), recorded like the job actions. An open session works until it
// is stopped.

// serviceAccount is the account the simulator's proxies run as, and the one
// that opens restore sessions (it keeps no user per token).
const serviceAccount = `CONTOSO\svc-vbo`

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
		created: now, duration: 30 * 24 * time.Hour, result: "Success", by: serviceAccount, scope: o.name, host: "vb365-graphql", live: true}
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

// The mailboxes an Exchange restore session shows: its organization's
// users whose mailbox (or archive) a repository holds. Each has an Inbox
// (with a Projects folder), Sent Items, Deleted Items and Drafts; the
// first also an Archive 2019 folder of 5,000 messages.
type simMailbox struct {
	id, name, email string
	archive         bool
	m               *member
}

type simFolder struct {
	id, name, category, parent string
	items                      int
}

// heldParts says which of a user's parts some repository holds.
func (s *Server) heldParts(m *member) (mailbox, archive, oneDrive bool) {
	for _, recs := range s.data.backups {
		for _, r := range recs {
			if r.member == m {
				mailbox, archive, oneDrive = mailbox || r.mailbox != nil, archive || r.archive != nil, oneDrive || r.oneDrive != nil
			}
		}
	}
	return mailbox, archive, oneDrive
}

func (s *Server) mailboxesOf(rs *restoreSession) []simMailbox {
	var out []simMailbox
	seen := map[string]bool{}
	for _, m := range s.data.directory[rs.org.id] {
		if m.kind != "User" || seen[m.id] {
			continue
		}
		mailbox, archive, _ := s.heldParts(m)
		seen[m.id] = true
		if mailbox {
			out = append(out, simMailbox{uuidFor("mailbox " + rs.id + m.id), m.display, m.name, false, m})
		}
		if archive {
			out = append(out, simMailbox{uuidFor("archive " + rs.id + m.id), "In-Place Archive - " + m.display, m.name, true, m})
		}
	}
	return out
}

func (s *Server) foldersOf(mb simMailbox, first bool) []simFolder {
	id := func(name string) string { return fmt.Sprintf("AAMkAD%08x", hashOf(mb.id+name)) }
	h := int(hashOf(mb.id) % 10)
	out := []simFolder{{id("Inbox"), "Inbox", "Inbox", "", 25 + h}, {id("Sent Items"), "Sent Items", "Sent", "", 12}, {id("Deleted Items"), "Deleted Items", "Deleted", "", 5},
		{id("Drafts"), "Drafts", "Drafts", "", 2}, {id("Projects"), "Projects", "None", id("Inbox"), 8}}
	if first {
		out = append(out, simFolder{id("Archive 2019"), "Archive 2019", "None", "", 5000})
	}
	return out
}

func (s *Server) mailItemJSON(mb simMailbox, f simFolder, i int) obj {
	received := s.opts.Anchor.Add(-time.Duration(i+1) * 37 * time.Minute)
	from, to := fmt.Sprintf("colleague%02d@%s", i%17, mb.m.org.name), mb.email
	if f.category == "Sent" {
		from, to = to, from
	}
	return obj{{"id", fmt.Sprintf("%s-%05d", f.id, i)}, {"itemClass", "IPM.Note"}, {"subject", fmt.Sprintf("%s message %d", f.name, i+1)},
		{"from", from}, {"to", to}, {"sent", timeText(received.Add(-time.Minute))}, {"received", timeText(received)},
		{"importance", "Normal"}, {"attachments", []obj{}}}
}

// browsed is the working restore session of kind a browsing route names
// (restoresessions/{id}/organization/what...), the lock on the data held
// until release; nil (the route answered): another route, or a session
// that is missing, of another kind or stopped (500, as a real server).
func (s *Server) browsed(w http.ResponseWriter, r *http.Request, parts []string, what, kind string) (rs *restoreSession, release func(), mine bool) {
	if r.Method != http.MethodGet || len(parts) < 4 || parts[0] != "restoresessions" || parts[2] != "organization" || parts[3] != what {
		return nil, nil, false
	}
	s.dataMu.RLock()
	rs = s.data.restoreByID[parts[1]]
	if status, code, message := s.unusable(rs, kind); status != 0 {
		s.dataMu.RUnlock()
		s.fail(w, status, code, message)
		return nil, nil, true
	}
	return rs, s.dataMu.RUnlock, true
}

// unusable says why a restore session cannot be browsed or acted in, as a
// real server answers (status 0: it can).
func (s *Server) unusable(rs *restoreSession, kind string) (status int, code, message string) {
	switch {
	case rs == nil:
		return http.StatusNotFound, "ResourceNotFound", "Restore session with the specified ID was not found."
	case rs.kind != kind:
		return http.StatusBadRequest, "ParameterValidationFailure", "The restore session does not explore " + exploreNames[kind] + "."
	case rs.at(s.opts.Now()).state != "Working":
		return http.StatusInternalServerError, "", "Restore session is not active." // what a real server answers
	}
	return 0, "", ""
}

// serveMailboxes answers an Exchange session's mailboxes, folders and
// items; false: not one of those routes.
func (s *Server) serveMailboxes(w http.ResponseWriter, r *http.Request, parts []string) bool {
	rs, release, mine := s.browsed(w, r, parts, "mailboxes", "Vex")
	if rs == nil {
		return mine
	}
	defer release()
	q := r.URL.Query()
	path := "/RestoreSessions/" + rs.id + "/organization/mailboxes"
	mailboxes := s.mailboxesOf(rs)
	if len(parts) == 4 {
		var out []obj
		for _, mb := range mailboxes {
			out = append(out, s.mailboxJSON(path, mb))
		}
		s.serveDirectoryPage(w, q, path, out)
		return true
	}
	var mb *simMailbox
	for i := range mailboxes {
		if mailboxes[i].id == parts[4] {
			mb = &mailboxes[i]
		}
	}
	if mb == nil || len(parts) > 6 || len(parts) == 6 && parts[5] != "folders" && parts[5] != "items" {
		s.fail(w, http.StatusNotFound, "ResourceNotFound", "Mailbox with the specified ID was not found.")
		return true
	}
	if len(parts) == 5 {
		s.writeJSON(w, s.mailboxJSON(path, *mb))
		return true
	}
	folders := s.foldersOf(*mb, mb == &mailboxes[0])
	var out []obj
	if parts[5] == "folders" {
		for _, f := range folders {
			if f.parent == q.Get("parentId") {
				out = append(out, obj{{"id", f.id}, {"name", f.name}, {"type", "None"}, {"category", f.category}, {"description", ""}})
			}
		}
	} else {
		for _, f := range folders {
			if f.id == q.Get("folderId") || q.Get("folderId") == "" && f.category == "Inbox" {
				for i := range f.items {
					out = append(out, s.mailItemJSON(*mb, f, i))
				}
			}
		}
	}
	s.serveDirectoryPage(w, q, path+"/"+mb.id+"/"+parts[5], out)
	return true
}

func (s *Server) mailboxJSON(path string, mb simMailbox) obj {
	return obj{{"id", mb.id}, {"name", mb.name}, {"email", mb.email}, {"isArchive", mb.archive}, {"isPublic", false},
		{"_links", obj{{"self", link(s.href(path + "/" + mb.id))}}}}
}

// The OneDrives a OneDrive restore session shows: its organization's users
// whose OneDrive a repository holds. Each has a Documents folder (with a
// Projects folder) and a few documents at its top.
type simDrive struct {
	id  string
	m   *member
	top int // documents at the top
}

func (s *Server) drivesOf(rs *restoreSession) []simDrive {
	var out []simDrive
	for _, m := range s.data.directory[rs.org.id] {
		if _, _, oneDrive := s.heldParts(m); oneDrive {
			out = append(out, simDrive{uuidFor("onedrive " + rs.id + m.id), m, 3 + int(hashOf(m.id)%5)})
		}
	}
	return out
}

func (s *Server) driveEntryJSON(d simDrive, id, name string, folder bool, i int) obj {
	when := timeText(s.opts.Anchor.Add(-time.Duration(i+1) * 5 * time.Hour))
	out := obj{{"id", id}, {"name", name}, {"oneDriveId", d.id}, {"version", "1.0"}, {"createdBy", d.m.display}, {"creationTime", when},
		{"modifiedBy", d.m.display}, {"modificationTime", when}, {"isFolder", folder}}
	if !folder {
		out = append(out, kv{"sizeBytes", int64(20_000 + 1_337*i)})
	}
	return out
}

// serveOneDrives answers a OneDrive session's OneDrives, folders and
// documents; false: not one of those routes.
func (s *Server) serveOneDrives(w http.ResponseWriter, r *http.Request, parts []string) bool {
	rs, release, mine := s.browsed(w, r, parts, "onedrives", "Veod")
	if rs == nil {
		return mine
	}
	defer release()
	q := r.URL.Query()
	path := "/RestoreSessions/" + rs.id + "/Organization/OneDrives"
	drives := s.drivesOf(rs)
	if len(parts) == 4 {
		var out []obj
		for _, d := range drives {
			out = append(out, obj{{"id", d.id}, {"name", d.m.display}, {"url", s.oneDriveURL(d.m)}, {"_links", obj{{"self", link(s.href(path + "/" + d.id))}}}})
		}
		s.serveDirectoryPage(w, q, path, out)
		return true
	}
	var d *simDrive
	for i := range drives {
		if drives[i].id == parts[4] {
			d = &drives[i]
		}
	}
	if d != nil && len(parts) == 8 && parts[5] == "documents" && parts[7] == "versions" && s.opts.Version >= 6 {
		// Each document was backed up in three versions, the newest first.
		doc, ok := d.document(strings.ToUpper(parts[6])) // the path is read in lower case; the ids are upper
		if !ok {
			s.fail(w, http.StatusNotFound, "ResourceNotFound", "Document with the specified ID was not found.")
			return true
		}
		var out []obj
		for v := 3; v >= 1; v-- {
			entry := withVersion(s.driveEntryJSON(*d, doc.id, doc.name, false, 3-v), fmt.Sprintf("%d.0", v))
			out = append(out, append(entry, kv{"versionId", int64(v)}))
		}
		s.serveDirectoryPage(w, q, path+"/"+d.id+"/Documents/"+parts[6]+"/Versions", out)
		return true
	}
	if d == nil || len(parts) != 6 || parts[5] != "folders" && parts[5] != "documents" {
		s.fail(w, http.StatusNotFound, "ResourceNotFound", "OneDrive with the specified ID was not found.")
		return true
	}
	docs, projects := d.folderIDs()
	var out []obj
	switch parent := q.Get("parentId"); {
	case parts[5] == "folders" && parent == "":
		out = append(out, s.driveEntryJSON(*d, docs, "Documents", true, 0))
	case parts[5] == "folders" && parent == docs:
		out = append(out, s.driveEntryJSON(*d, projects, "Projects", true, 1))
	case parts[5] == "documents":
		for i, doc := range d.documents(parent) {
			out = append(out, s.driveEntryJSON(*d, doc.id, doc.name, false, i))
		}
	}
	s.serveDirectoryPage(w, q, path+"/"+d.id+"/"+parts[5], out)
	return true
}

// withVersion is an entry with its version set to v.
func withVersion(o obj, v string) obj {
	for i := range o {
		if o[i].k == "version" {
			o[i].v = v
		}
	}
	return o
}

// folderIDs are the ids of a OneDrive's Documents folder and of the
// Projects folder in it.
func (d simDrive) folderIDs() (docs, projects string) {
	return d.folderID("Documents"), d.folderID("Projects")
}

func (d simDrive) folderID(name string) string { return fmt.Sprintf("01%08X", hashOf(d.id+name)) }

type simDocument struct{ id, name string }

// documents are the documents in a folder of a OneDrive ("": at its top).
func (d simDrive) documents(parent string) []simDocument {
	docs, projects := d.folderIDs()
	count, prefix := d.top, "Notes"
	switch parent {
	case docs:
		count, prefix = 12, "Report"
	case projects:
		count, prefix = 3, "Plan"
	case "":
	default:
		return nil
	}
	out := make([]simDocument, count)
	for i := range out {
		out[i] = simDocument{fmt.Sprintf("%s-%03d", d.folderID(parent+prefix), i), fmt.Sprintf("%s %d.docx", prefix, i+1)}
	}
	return out
}

// document finds a document of the OneDrive by its id.
func (d simDrive) document(id string) (simDocument, bool) {
	docs, projects := d.folderIDs()
	for _, parent := range []string{"", docs, projects} {
		for _, doc := range d.documents(parent) {
			if doc.id == id {
				return doc, true
			}
		}
	}
	return simDocument{}, false
}

// The account the simulator's organizations accept for restores to the
// original place.
const (
	RestoreAdmin    = "restore-admin@contoso.example"
	restorePassword = "restore-admin-secret"
)

// RestoreAccount is the account every simulator's organizations accept
// for restores.
func RestoreAccount() (username, password string) { return RestoreAdmin, restorePassword }

// itemActions are the actions on a mailbox's items, by their v6+ path
// (lower case), with v3..v5's name for them in the body of items/Action.
var itemActions = map[string]string{"restore": "restoretooriginallocation", "restoreto": "restoreto", "exporttopst": "exporttopst",
	"sendtodefaultaddress": "sendtodefaultaddress", "sendtodifferentaddress": "sendtodifferentaddress"}

// itemActionOf says which action on a mailbox's items a request asks for
// (a key of itemActions) and with what; "": not one.
func itemActionOf(v int, parts []string, body []byte) (action string, options json.RawMessage) {
	if _, ok := itemActions[parts[6]]; ok && v >= 6 {
		return parts[6], body
	}
	if v > 5 || parts[6] != "action" {
		return "", nil
	}
	var named map[string]json.RawMessage
	_ = json.Unmarshal(body, &named)
	for name, options := range named { // the server matches names without regard to case
		for action, legacy := range itemActions {
			if strings.ToLower(name) == legacy {
				return action, options
			}
		}
	}
	return "", nil
}

// serveItemActions restores a mailbox's items where they were or to
// another mailbox, or sends them (each recorded as events of the session),
// or exports them as a PST of deterministic bytes; false: not one of
// those routes.
func (s *Server) serveItemActions(w http.ResponseWriter, r *http.Request, parts []string) bool {
	if r.Method != http.MethodPost || len(parts) != 7 || parts[0] != "restoresessions" || parts[2] != "organization" || parts[3] != "mailboxes" || parts[5] != "items" {
		return false
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	action, raw := itemActionOf(s.opts.Version, parts, body)
	if action == "" {
		return false
	}
	s.record(r, body)
	var options struct {
		UserName, UserPassword, UserCode string
		Mailbox, Folder, To              string
		Items                            []struct{ ID string }
	}
	if json.Unmarshal(raw, &options) != nil || len(options.Items) == 0 {
		s.fail(w, http.StatusBadRequest, "ParameterValidationFailure", "The request body is not valid.")
		return true
	}
	s.dataMu.Lock()
	rs := s.data.restoreByID[parts[1]]
	var mb *simMailbox
	var subjects []string
	failed := func(status int, code, message string) bool {
		s.dataMu.Unlock()
		s.fail(w, status, code, message)
		return true
	}
	if status, code, message := s.unusable(rs, "Vex"); status != 0 {
		return failed(status, code, message)
	}
	mailboxes := s.mailboxesOf(rs)
	for i := range mailboxes {
		if mailboxes[i].id == parts[4] {
			mb = &mailboxes[i]
		}
	}
	if mb == nil {
		return failed(http.StatusNotFound, "ResourceNotFound", "Mailbox with the specified ID was not found.")
	}
	folders := s.foldersOf(*mb, mb == &mailboxes[0])
	for _, it := range options.Items {
		subject, ok := s.mailItemSubject(folders, it.ID)
		if !ok {
			return failed(http.StatusNotFound, "ResourceNotFound", "Item with the specified ID was not found.")
		}
		subjects = append(subjects, subject)
	}
	restoring := action == "restore" || action == "restoreto"
	switch {
	case restoring && !(options.UserName == RestoreAdmin && options.UserPassword == restorePassword || options.UserCode != "" && s.data.deviceCodes[options.UserCode]):
		return failed(http.StatusBadRequest, "ParameterValidationFailure", "Cannot connect to the organization: the user name or password is incorrect.")
	case action == "restoreto" && options.Mailbox == "":
		return failed(http.StatusBadRequest, "ParameterValidationFailure", "The target mailbox is not specified.")
	case action == "sendtodifferentaddress" && options.To == "":
		return failed(http.StatusBadRequest, "ParameterValidationFailure", "The recipient is not specified.")
	}
	kind, done, target, size := "Restore", "restored", mb.email, int64(0)
	switch action {
	case "restoreto":
		target = options.Mailbox
	case "exporttopst":
		kind, done, size = "Export", "exported", s.exportSize(len(subjects))
	case "sendtodefaultaddress", "sendtodifferentaddress":
		kind, done, target = "Send", "sent", cmp.Or(options.To, mb.email)
	}
	now := s.opts.Now()
	for _, subject := range subjects {
		rs.events = append(rs.events, restoreEvent{id: uuidFor(fmt.Sprintf("%s %s %d", kind, rs.id, len(rs.events))), kind: kind, status: "Success",
			item: subject, itemType: "Message", size: 64 << 10, source: mb.email, target: target, msg: "Item has been " + done,
			offset: now.Sub(rs.created), duration: time.Second})
	}
	s.dataMu.Unlock()
	switch {
	case action == "exporttopst":
		named := parts[1] + "/" + parts[4]
		for _, it := range options.Items {
			named += "/" + it.ID
		}
		seed := sha256.Sum256([]byte(named)) // the same items, the same bytes
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", `attachment; filename="`+mb.email+`.pst"`)
		_, _ = io.Copy(w, exportBytes(seed, size))
	case !restoring:
		if s.opts.Version >= 8 {
			w.WriteHeader(http.StatusNoContent)
		} else {
			w.WriteHeader(http.StatusOK)
		}
	case s.opts.Version >= 8:
		s.writeJSON(w, obj{{"sessionId", rs.id}}) // the restore runs on in the session
	default:
		s.writeJSON(w, obj{{"exceptions", []string{}}, {"createdItemsCount", int64(len(subjects))}, {"mergedItemsCount", int64(0)},
			{"failedItemsCount", int64(0)}, {"skippedItemsCount", int64(0)}, {"warnings", []string{}}})
	}
	return true
}

// serveDocumentActions restores a OneDrive's documents where they were
// (recorded as events of the session) or saves them as a ZIP of
// deterministic bytes; false: not one of those routes.
func (s *Server) serveDocumentActions(w http.ResponseWriter, r *http.Request, parts []string) bool {
	v := s.opts.Version
	if r.Method != http.MethodPost || len(parts) != 7 || parts[0] != "restoresessions" || parts[2] != "organization" || parts[3] != "onedrives" || parts[5] != "documents" {
		return false
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	action, raw := "", json.RawMessage(body)
	switch {
	case v >= 6 && (parts[6] == "restore" || parts[6] == "save"):
		action = parts[6]
	case v <= 5 && parts[6] == "action":
		var named map[string]json.RawMessage
		_ = json.Unmarshal(body, &named)
		for name, options := range named {
			switch strings.ToLower(name) {
			case "restoretooriginallocation":
				action, raw = "restore", options
			case "save":
				action, raw = "save", options
			}
		}
	}
	if action == "" {
		return false
	}
	s.record(r, body)
	var options struct {
		UserName, UserPassword, UserCode, DocumentAction string
		Documents                                        []struct{ ID string }
	}
	if json.Unmarshal(raw, &options) != nil || len(options.Documents) == 0 {
		s.fail(w, http.StatusBadRequest, "ParameterValidationFailure", "The request body is not valid.")
		return true
	}
	s.dataMu.Lock()
	failed := func(status int, code, message string) bool {
		s.dataMu.Unlock()
		s.fail(w, status, code, message)
		return true
	}
	rs := s.data.restoreByID[parts[1]]
	if status, code, message := s.unusable(rs, "Veod"); status != 0 {
		return failed(status, code, message)
	}
	var d *simDrive
	for _, drive := range s.drivesOf(rs) {
		if strings.EqualFold(drive.id, parts[4]) {
			d = &drive
		}
	}
	if d == nil {
		return failed(http.StatusNotFound, "ResourceNotFound", "OneDrive with the specified ID was not found.")
	}
	var names []string
	for _, doc := range options.Documents {
		found, ok := d.document(doc.ID)
		if !ok {
			return failed(http.StatusNotFound, "ResourceNotFound", "Document with the specified ID was not found.")
		}
		names = append(names, found.name)
	}
	if action == "restore" {
		switch {
		case !(options.UserName == RestoreAdmin && options.UserPassword == restorePassword || options.UserCode != "" && s.data.deviceCodes[options.UserCode]):
			return failed(http.StatusBadRequest, "ParameterValidationFailure", "Cannot connect to the organization: the user name or password is incorrect.")
		case !strings.EqualFold(options.DocumentAction, "Overwrite") && !strings.EqualFold(options.DocumentAction, "Keep"):
			return failed(http.StatusBadRequest, "ParameterValidationFailure", "The document action is not valid.")
		}
	}
	kind, done := "Restore", "restored ("+strings.ToLower(options.DocumentAction)+")"
	if action == "save" {
		kind, done = "Save", "saved"
	}
	now := s.opts.Now()
	for _, name := range names {
		rs.events = append(rs.events, restoreEvent{id: uuidFor(fmt.Sprintf("%s %s %d", kind, rs.id, len(rs.events))), kind: kind, status: "Success",
			item: name, itemType: "Document", size: 20_000, source: d.m.name, target: d.m.name, msg: "Document has been " + done,
			offset: now.Sub(rs.created), duration: time.Second})
	}
	s.dataMu.Unlock()
	switch {
	case action == "save":
		named := parts[1] + "/" + d.id
		for _, doc := range options.Documents {
			named += "/" + doc.ID
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = io.Copy(w, exportBytes(sha256.Sum256([]byte(named)), s.exportSize(len(names))))
	case v >= 8:
		s.writeJSON(w, obj{{"sessionId", rs.id}})
	default:
		s.writeJSON(w, obj{{"totalItemsCount", int64(len(names))}, {"restoredItemsCount", int64(len(names))}, {"failedItemsCount", int64(0)},
			{"skippedItemsByErrorCount", int64(0)}, {"skippedItemsByNoChangesCount", int64(0)}, {"restoreIssues", []obj{}}})
	}
	return true
}

// serveDeviceCode gives a device code for a restore's sign-in (v6+): the
// simulator takes it as signed in with at once.
func (s *Server) serveDeviceCode(w http.ResponseWriter, r *http.Request, parts []string) bool {
	if r.Method != http.MethodPost || s.opts.Version < 6 || len(parts) != 4 || parts[0] != "restoresessions" || parts[2] != "organization" || parts[3] != "restoredevicecode" {
		return false
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	s.record(r, body)
	s.dataMu.Lock()
	defer s.dataMu.Unlock()
	if s.data.restoreByID[parts[1]] == nil {
		s.fail(w, http.StatusNotFound, "ResourceNotFound", "Restore session with the specified ID was not found.")
		return true
	}
	code := fmt.Sprintf("SIM%06d", len(s.data.deviceCodes)+1)
	s.data.deviceCodes[code] = true
	s.writeJSON(w, obj{{"userCode", code}, {"verificationUrl", "https://microsoft.com/devicelogin"}, {"expiresIn", int64(900)},
		{"message", "To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code " + code + " to authenticate."}})
	return true
}

// serveMailSearch answers a search of a mailbox's items, or of a
// folder's (v6+): free words match the subject or the sender, subject:x
// and from:x one of them, all words must match, without regard to case.
func (s *Server) serveMailSearch(w http.ResponseWriter, r *http.Request, parts []string) bool {
	n := len(parts)
	if r.Method != http.MethodPost || s.opts.Version < 6 || n < 6 || parts[0] != "restoresessions" || parts[2] != "organization" || parts[3] != "mailboxes" ||
		parts[n-1] != "search" || !(n == 6 || n == 8 && parts[5] == "folders") {
		return false
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	var search struct{ Query string }
	if json.Unmarshal(body, &search) != nil || strings.TrimSpace(search.Query) == "" {
		s.fail(w, http.StatusBadRequest, "ParameterValidationFailure", "The search query is not specified.")
		return true
	}
	s.dataMu.RLock()
	defer s.dataMu.RUnlock()
	rs := s.data.restoreByID[parts[1]]
	if status, code, message := s.unusable(rs, "Vex"); status != 0 {
		s.fail(w, status, code, message)
		return true
	}
	mailboxes := s.mailboxesOf(rs)
	var mb *simMailbox
	for i := range mailboxes {
		if mailboxes[i].id == parts[4] {
			mb = &mailboxes[i]
		}
	}
	if mb == nil {
		s.fail(w, http.StatusNotFound, "ResourceNotFound", "Mailbox with the specified ID was not found.")
		return true
	}
	var out []obj
	for _, f := range s.foldersOf(*mb, mb == &mailboxes[0]) {
		if n == 8 && !strings.EqualFold(f.id, parts[6]) { // the path is read in lower case
			continue
		}
		for i := range f.items {
			item := s.mailItemJSON(*mb, f, i)
			if matches(search.Query, fmt.Sprint(item.get("subject")), fmt.Sprint(item.get("from"))) {
				out = append(out, item)
			}
		}
	}
	s.serveDirectoryPage(w, r.URL.Query(), "/RestoreSessions/"+rs.id+"/organization/mailboxes/"+mb.id+"/search", out)
	return true
}

// matches says whether every word of query matches: field:word that field,
// a bare word the subject or the sender.
func matches(query, subject, from string) bool {
	subject, from = strings.ToLower(subject), strings.ToLower(from)
	for _, word := range strings.Fields(strings.ToLower(query)) {
		field, value, scoped := strings.Cut(word, ":")
		value = strings.Trim(value, `"`)
		switch {
		case scoped && field == "subject" && !strings.Contains(subject, value),
			scoped && field == "from" && !strings.Contains(from, value),
			!scoped && !strings.Contains(subject, strings.Trim(word, `"`)) && !strings.Contains(from, strings.Trim(word, `"`)):
			return false
		}
	}
	return true
}

// mailItemSubject finds an item by the id mailItemJSON gives it.
func (s *Server) mailItemSubject(folders []simFolder, id string) (string, bool) {
	folderID, number, ok := strings.Cut(id, "-")
	i, err := strconv.Atoi(number)
	for _, f := range folders {
		if ok && err == nil && f.id == folderID && i >= 0 && i < f.items {
			return fmt.Sprintf("%s message %d", f.name, i+1), true
		}
	}
	return "", false
}

// exportSize is the size of a PST of n items: ExportBytes when set.
func (s *Server) exportSize(n int) int64 {
	if s.opts.ExportBytes > 0 {
		return s.opts.ExportBytes
	}
	return 8<<10 + int64(n)*(64<<10)
}

// exportBytes are size deterministic bytes from seed: a PST's signature,
// then AES-CTR's stream, made as they are read (gigabytes cost no memory).
func exportBytes(seed [32]byte, size int64) io.Reader {
	block, _ := aes.NewCipher(seed[:16])
	stream := cipher.NewCTR(block, seed[16:])
	return io.MultiReader(io.LimitReader(strings.NewReader("!BDN"), size), &keyStream{stream, max(size-4, 0)})
}

type keyStream struct {
	stream cipher.Stream
	left   int64
}

func (k *keyStream) Read(p []byte) (int, error) {
	if k.left == 0 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), k.left)]
	clear(p)
	k.stream.XORKeyStream(p, p)
	k.left -= int64(len(p))
	return len(p), nil
}
