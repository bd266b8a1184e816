// Package vb365sim is an in-process simulator of a Veeam Backup for Microsoft
// 365 REST server, API v3 to v8, with each version's quirks (the README's
// table of versions lists them): bare arrays vs pages, absolute vs relative
// hrefs, the v3 log link that answers 404, numbers sent as strings, dates with
// seven fractional digits and offsets. It backs demo mode and the tests, and
// counts the calls it serves per route so tests can prove laziness.
package vb365sim

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure a simulator.
type Options struct {
	Version int // API version served, 3..8 (default 8)
	// Anchor is the time the data is built around (default: now). Sessions end
	// before it; two live sessions started just before it.
	Anchor time.Time
	// Now is the simulator's clock (default time.Now); live sessions advance with it.
	Now func() time.Time
	// SessionsPerJob is how many sessions each of the 12 jobs has (default 35).
	SessionsPerJob int
	// LiveSessions is how many sessions are running at Anchor (default 2):
	// the newest of each job in turn, then the second newest.
	LiveSessions int
	// Username and Password are the accepted credentials (default "demo\admin" / "demo").
	Username, Password string
	// Host is the host name v3..v5 put in absolute hrefs (default "support.east.local:4443").
	Host string
	// Latency is added to every answer (the request's context still ends it early).
	Latency time.Duration
	// TokenLifetime is the access token's lifetime (default one hour).
	TokenLifetime time.Duration
	// ViewerUsername and ViewerPassword, when set, are a second account that
	// may read but not act: its actions are refused with 403, as the
	// server's role-based access control does.
	ViewerUsername, ViewerPassword string
	// Seed, when set, gives the estate ids of its own (the same names):
	// another server, for a gateway over several.
	Seed string
	// ExportBytes, when set, is the size of every PST export (default: 8 KiB
	// and 64 KiB an item).
	ExportBytes int64
}

// Server is the simulator; it is an http.Handler.
type Server struct {
	opts   Options
	dataMu sync.RWMutex // actions change the data; requests read it
	data   *dataset

	mu           sync.Mutex
	calls        map[string]int
	actions      []Action
	viewerTokens map[string]bool
	grants       []string             // "password", "refresh_token", with " (antiforgery off)" when asked
	tokens       map[string]time.Time // access token -> expiry
	refrs        map[string]string    // refresh token -> user

	inFlight, maxInFlight atomic.Int64

	feed eventFeed
}

// New builds a simulator.
func New(opts Options) *Server {
	if opts.Version == 0 {
		opts.Version = 8
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Anchor.IsZero() {
		opts.Anchor = opts.Now()
	}
	if opts.SessionsPerJob <= 0 {
		opts.SessionsPerJob = 35
	}
	if opts.LiveSessions <= 0 {
		opts.LiveSessions = 2
	}
	if opts.Username == "" {
		opts.Username, opts.Password = `demo\admin`, "demo"
	}
	if opts.Host == "" {
		opts.Host = "support.east.local:4443"
	}
	if opts.TokenLifetime <= 0 {
		opts.TokenLifetime = time.Hour
	}
	return &Server{
		opts:         opts,
		data:         newDataset(opts.Anchor.UTC(), opts.SessionsPerJob, opts.LiveSessions, opts.Version, uuids(opts.Seed)),
		calls:        map[string]int{},
		tokens:       map[string]time.Time{},
		refrs:        map[string]string{},
		viewerTokens: map[string]bool{},
	}
}

// Version returns the API version served.
func (s *Server) Version() int { return s.opts.Version }

// Credentials returns the accepted username and password.
func (s *Server) Credentials() (string, string) { return s.opts.Username, s.opts.Password }

// Calls returns how many requests each route served, keyed like "GET /JobSessions/{id}".
func (s *Server) Calls() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.calls))
	for k, v := range s.calls {
		out[k] = v
	}
	return out
}

// Grants lists the grant types of the token requests served, in order.
func (s *Server) Grants() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.grants...)
}

// DataCalls counts the requests other than logins.
func (s *Server) DataCalls() int {
	n := 0
	for route, c := range s.Calls() {
		if !strings.HasPrefix(route, "POST /Token") {
			n += c
		}
	}
	return n
}

// ResetCalls zeroes the counters (the in-flight high-water mark too).
func (s *Server) ResetCalls() {
	s.mu.Lock()
	s.calls = map[string]int{}
	s.mu.Unlock()
	s.maxInFlight.Store(0)
}

// MaxInFlight is the most requests served at once since the last reset.
func (s *Server) MaxInFlight() int { return int(s.maxInFlight.Load()) }

// SessionIDs lists the session ids, newest first.
func (s *Server) SessionIDs() []string {
	s.dataMu.RLock()
	defer s.dataMu.RUnlock()
	ids := make([]string, len(s.data.sessions))
	for i, ss := range s.data.sessions {
		ids[i] = ss.id
	}
	return ids
}

// JobIDs lists the job ids.
func (s *Server) JobIDs() []string {
	s.dataMu.RLock()
	defer s.dataMu.RUnlock()
	ids := make([]string, len(s.data.jobs))
	for i, j := range s.data.jobs {
		ids[i] = j.id
	}
	return ids
}

// LiveSessionIDs lists the sessions that advance with the clock.
func (s *Server) LiveSessionIDs() []string {
	s.dataMu.RLock()
	defer s.dataMu.RUnlock()
	var ids []string
	for _, ss := range s.data.sessions {
		if ss.live {
			ids = append(ids, ss.id)
		}
	}
	return ids
}

// OrganizationIDs lists the organizations' ids.
func (s *Server) OrganizationIDs() []string {
	ids := make([]string, len(s.data.orgs))
	for i, o := range s.data.orgs {
		ids[i] = o.id
	}
	return ids
}

// RepositoryIDs lists the backup repositories' ids.
func (s *Server) RepositoryIDs() []string {
	ids := make([]string, len(s.data.repos))
	for i, r := range s.data.repos {
		ids[i] = r.id
	}
	return ids
}

// ProxyIDs lists the proxies' ids.
func (s *Server) ProxyIDs() []string {
	ids := make([]string, len(s.data.proxies))
	for i, p := range s.data.proxies {
		ids[i] = p.id
	}
	return ids
}

// EstateItemPaths are the paths of one item of each estate collection the
// version serves, e.g. /Organizations/{id}.
func (s *Server) EstateItemPaths() []string {
	d := s.data
	paths := []string{"/Organizations/" + d.orgs[0].id + "?extendedView=true", "/BackupRepositories/" + d.repos[2].id, "/Proxies/" + d.proxies[2].id}
	if s.opts.Version >= 6 {
		paths = append(paths, "/CopyJobs/"+d.copyJobs[0].id)
	}
	if s.opts.Version >= 8 {
		paths = append(paths, "/ProxyPools/"+d.pools[0].id)
	}
	return paths
}

// JobOf returns the job id of a session.
func (s *Server) JobOf(sessionID string) string {
	s.dataMu.RLock()
	defer s.dataMu.RUnlock()
	if ss, ok := s.data.byID[sessionID]; ok {
		return ss.job.id
	}
	return ""
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	for {
		m := s.maxInFlight.Load()
		if n <= m || s.maxInFlight.CompareAndSwap(m, n) {
			break
		}
	}
	if s.opts.Latency > 0 {
		select {
		case <-time.After(s.opts.Latency):
		case <-r.Context().Done():
			return
		}
	}

	// Paths are case-insensitive on the real server.
	parts := strings.Split(strings.Trim(strings.ToLower(r.URL.Path), "/"), "/")
	prefix := "v" + strconv.Itoa(s.opts.Version)
	if len(parts) < 2 || parts[0] != prefix || parts[1] == "" {
		s.count(r.Method + " (unrouted)")
		s.fail(w, http.StatusNotFound, "ResourceNotFound", "No HTTP resource was found that matches the request URI.")
		return
	}
	parts = parts[1:]

	if parts[0] == "token" {
		s.serveToken(w, r, parts[1:])
		return
	}
	route := routeOf(r.Method, parts)
	s.count(route)
	if !s.authorized(r) {
		s.fail(w, http.StatusUnauthorized, "", "Authorization has been denied for this request.")
		return
	}
	if s.serveTenant(w, r, parts) || s.serveExplore(w, r, parts) || s.serveItemActions(w, r, parts) || s.serveDocumentActions(w, r, parts) || s.serveDeviceCode(w, r, parts) || s.serveReports(w, r, parts) || s.serveEvents(w, r, parts) || s.serveMailSearch(w, r, parts) || s.serveMailboxes(w, r, parts) || s.serveOneDrives(w, r, parts) || s.serveSites(w, r, parts) || s.serveTeams(w, r, parts) {
		return
	}
	for i := 1; i < len(parts); i += 2 {
		if !uuidRE.MatchString(parts[i]) {
			s.fail(w, http.StatusBadRequest, "ParameterValidationFailure", "The value '"+parts[i]+"' is not valid.")
			return
		}
	}
	if r.Method == http.MethodPost && s.serveAction(w, r, parts) {
		return
	}
	if r.Method != http.MethodGet {
		s.fail(w, http.StatusMethodNotAllowed, "", "The requested resource does not support this HTTP method.")
		return
	}
	s.dataMu.RLock()
	defer s.dataMu.RUnlock()
	q := r.URL.Query()
	switch route {
	case "GET /JobSessions":
		s.listSessions(w, q, "")
	case "GET /JobSessions/{id}":
		ss := s.data.byID[parts[1]]
		s.serveOne(w, ss != nil, "Job session", func() obj { return s.sessionJSON(ss) })
	case "GET /JobSessions/{id}/LogItems":
		s.listLog(w, q, parts[1])
	case "GET /Jobs":
		s.listJobs(w, q)
	case "GET /Jobs/{id}":
		j := s.data.jobByID[parts[1]]
		s.serveOne(w, j != nil, "Job", func() obj { return s.jobJSON(j) })
	case "GET /Jobs/{id}/JobSessions":
		if s.opts.Version >= 7 { // replaced by /JobSessions?jobId=
			s.fail(w, http.StatusNotFound, "ResourceNotFound", "No HTTP resource was found that matches the request URI.")
			return
		}
		if s.data.jobByID[parts[1]] == nil {
			s.fail(w, http.StatusNotFound, "ResourceNotFound", "Job with the specified ID was not found.")
			return
		}
		s.listSessions(w, q, parts[1])
	default: // the estate, or the v3 /log link target and unknown routes
		id := ""
		if len(parts) > 1 {
			id = parts[1]
		}
		if !s.serveEstate(w, route, id, q) && !s.serveRestores(w, route, parts, q) && !s.serveDirectory(w, route, parts, q) && !s.serveJobItems(w, route, parts, q) {
			s.fail(w, http.StatusNotFound, "ResourceNotFound", "No HTTP resource was found that matches the request URI.")
		}
	}
}

// routeOf names a request by its template: GET /JobSessions/{id}/LogItems.
func routeOf(method string, parts []string) string {
	names := map[string]string{"jobsessions": "JobSessions", "jobs": "Jobs", "logitems": "LogItems", "log": "log",
		"organizations": "Organizations", "licensinginformation": "LicensingInformation", "usedrepositories": "usedRepositories",
		"backuprepositories": "BackupRepositories", "proxies": "Proxies", "proxypools": "ProxyPools", "copyjobs": "CopyJobs",
		"license": "License", "licensedusers": "LicensedUsers", "serviceinstance": "ServiceInstance", "health": "Health",
		"processedobjects": "ProcessedObjects", "users": "Users", "groups": "Groups", "sites": "Sites", "teams": "Teams",
		"restorepoints": "RestorePoints", "restoresessions": "RestoreSessions", "events": "Events", "statistics": "Statistics",
		"members": "Members", "onedrives": "OneDrives", "userdata": "UserData", "groupdata": "GroupData", "sitedata": "SiteData",
		"teamdata": "TeamData", "organizationdata": "OrganizationData", "backeduporganizations": "backedupOrganizations",
		"action": "Action", "start": "start", "stop": "stop", "enable": "enable", "disable": "disable",
		"syncstate": "SyncState", "sync": "Sync", "autoupdate": "AutoUpdate", "licensing": "licensing", "statistic": "statistic",
		"usage": "usage", "restoreportalsettings": "RestorePortalSettings", "selecteditems": "SelectedItems", "excludeditems": "ExcludedItems", "maintenance": "maintenance", "explore": "explore",
		"organization": "organization", "mailboxes": "mailboxes", "folders": "folders", "items": "items", "documents": "Documents",
		"restore": "restore", "restoreto": "restoreTo", "exporttopst": "exportToPst", "sendtodefaultaddress": "sendToDefaultAddress",
		"sendtodifferentaddress": "sendToDifferentAddress", "restoredevicecode": "restoreDeviceCode", "reports": "Reports",
		"generatelicenseoverview": "GenerateLicenseOverview", "generatestorageconsumption": "GenerateStorageConsumption",
		"generatemailboxprotection": "GenerateMailboxProtection", "generateuserprotection": "GenerateUserProtection",
		"generateonedriveprotection": "GenerateOneDriveProtection", "generatesharepointprotection": "GenerateSharepointProtection",
		"generateteamsprotection": "GenerateTeamsProtection", "search": "search", "save": "save", "libraries": "Libraries", "lists": "Lists", "posts": "posts", "files": "files",
		"channels": "channels", "tabs": "tabs"}
	var b strings.Builder
	b.WriteString(method + " ")
	for i, p := range parts {
		b.WriteByte('/')
		switch {
		case uuidRE.MatchString(p) || i%2 == 1 && names[p] == "": // an id (ids are UUIDs, never one of the names)
			b.WriteString("{id}")
		case names[p] != "":
			b.WriteString(names[p])
		default:
			b.WriteString("?")
		}
	}
	return b.String()
}

func (s *Server) count(route string) {
	s.mu.Lock()
	s.calls[route]++
	s.mu.Unlock()
}

func (s *Server) authorized(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.tokens[tok]
	return ok && s.opts.Now().Before(exp)
}

// ExpireTokens makes every issued access token invalid, as a server restart would.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	s.tokens = map[string]time.Time{}
	s.mu.Unlock()
}

func randomToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *Server) serveToken(w http.ResponseWriter, r *http.Request, rest []string) {
	if len(rest) == 1 && rest[0] == "logout" && s.opts.Version >= 7 && r.Method == http.MethodPost {
		s.count("POST /Token/logout")
		if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			s.mu.Lock()
			delete(s.tokens, tok)
			s.mu.Unlock()
		}
		if s.opts.Version == 7 {
			w.WriteHeader(http.StatusOK)
		} else {
			w.WriteHeader(http.StatusNoContent)
		}
		return
	}
	s.count("POST /Token")
	if len(rest) != 0 || r.Method != http.MethodPost {
		s.fail(w, http.StatusNotFound, "ResourceNotFound", "No HTTP resource was found that matches the request URI.")
		return
	}
	if err := r.ParseForm(); err != nil {
		s.oauthFail(w, "invalid_request", "The request body could not be read.")
		return
	}
	grant := r.PostForm.Get("grant_type")
	if r.PostForm.Get("disable_antiforgery_token") == "true" {
		grant += " (antiforgery off)"
	}
	s.mu.Lock()
	s.grants = append(s.grants, grant)
	s.mu.Unlock()
	user := s.opts.Username
	switch r.PostForm.Get("grant_type") {
	case "password":
		user = r.PostForm.Get("username")
		viewer := s.opts.ViewerUsername != "" && user == s.opts.ViewerUsername && r.PostForm.Get("password") == s.opts.ViewerPassword
		if !viewer && (user != s.opts.Username || r.PostForm.Get("password") != s.opts.Password) {
			s.oauthFail(w, "invalid_grant", "The user name or password is incorrect.")
			return
		}
	case "refresh_token":
		rt := r.PostForm.Get("refresh_token")
		s.mu.Lock()
		u, ok := s.refrs[rt]
		delete(s.refrs, rt) // a refresh token is good once
		s.mu.Unlock()
		if !ok {
			s.oauthFail(w, "invalid_grant", "The refresh token is invalid.")
			return
		}
		user = u
	default:
		s.oauthFail(w, "unsupported_grant_type", "The grant type is not supported.")
		return
	}
	now := s.opts.Now().UTC()
	access, refresh := randomToken(), randomToken()
	s.mu.Lock()
	s.tokens[access] = now.Add(s.opts.TokenLifetime)
	s.refrs[refresh] = user
	if s.opts.ViewerUsername != "" && user == s.opts.ViewerUsername {
		s.viewerTokens[access] = true
	}
	s.mu.Unlock()
	s.writeJSON(w, obj{
		{"access_token", access},
		{"token_type", "bearer"},
		{"expires_in", int64(s.opts.TokenLifetime / time.Second)},
		{"refresh_token", refresh},
		{"userName", user},
		{".issued", now.Format(time.RFC3339)},
		{".expires", now.Add(s.opts.TokenLifetime).Format(time.RFC3339)},
	})
}

func (s *Server) oauthFail(w http.ResponseWriter, code, desc string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}

// fail writes a RESTExceptionInfo in the version's shape.
func (s *Server) fail(w http.ResponseWriter, status int, code, message string) {
	body := obj{{"message", message}}
	if s.opts.Version >= 7 {
		if code == "" || (s.opts.Version == 7 && code != "ProxyOffline") { // v7 knows only ProxyOffline
			body = append(body, kv{"errorCode", nil})
		} else {
			body = append(body, kv{"errorCode", code})
		}
	}
	if s.opts.Version >= 8 {
		body = append(body, kv{"stackTrace", nil})
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// serveOne answers with one resource, or the version's 404 when there is none.
func (s *Server) serveOne(w http.ResponseWriter, found bool, what string, render func() obj) {
	if !found {
		s.fail(w, http.StatusNotFound, "ResourceNotFound", what+" with the specified ID was not found.")
		return
	}
	s.writeJSON(w, render())
}

func (s *Server) writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(b)
}

// paging reads offset and limit as the server does: limit defaults to 30
// and is capped at 10,000.
func paging(q url.Values) (offset, limit int) {
	offset, _ = strconv.Atoi(q.Get("offset"))
	limit = 30
	if l, err := strconv.Atoi(q.Get("limit")); err == nil && l > 0 {
		limit = l
	}
	return max(offset, 0), min(limit, 10000)
}

// RestoreSessionIDs lists the restore sessions' ids, newest first.
func (s *Server) RestoreSessionIDs() []string {
	ids := make([]string, len(s.data.restores))
	for i, r := range s.data.restores {
		ids[i] = r.id
	}
	return ids
}

// LiveRestoreSessionIDs lists the restore sessions that advance with the clock.
func (s *Server) LiveRestoreSessionIDs() []string {
	var ids []string
	for _, r := range s.data.restores {
		if r.live {
			ids = append(ids, r.id)
		}
	}
	return ids
}

// OrganizationObjectPaths are the paths of one user, group, site and team
// of the first organization, e.g. /Organizations/{id}/Users/{id}.
func (s *Server) OrganizationObjectPaths() []string {
	var paths []string
	seen := map[string]bool{}
	for _, m := range s.data.members {
		if m.org == s.data.orgs[0] && !seen[m.kind] {
			seen[m.kind] = true
			paths = append(paths, "/Organizations/"+m.org.id+"/"+collectionOf[m.kind]+"/"+m.id)
		}
	}
	return paths
}

// SessionIDsWithStatus lists, newest first, the finished sessions that
// ended in status (Success, Warning, Failed, Stopped).
func (s *Server) SessionIDsWithStatus(status string) []string {
	s.dataMu.RLock()
	defer s.dataMu.RUnlock()
	var ids []string
	for _, ss := range s.data.sessions {
		if !ss.live && ss.status == status {
			ids = append(ids, ss.id)
		}
	}
	return ids
}
