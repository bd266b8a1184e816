package vb365sim

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"
)

// Tenant and licence hygiene: each organization's directory sync, the
// license's automatic update and usage, the restore portal, and the
// operator's actions on them (an organization's sync, a repository's
// synchronization, a license revoked).

// orgSync is an organization's directory synchronization.
type orgSync struct {
	lastType, lastResult string
	lastStart, lastEnd   time.Time
	lastError            string
	current              *currentSync
}

type currentSync struct {
	kind    string
	started time.Time
}

type tenantData struct {
	syncs      map[string]*orgSync // by organization id
	autoUpdate bool
	repoSyncs  map[string]int // synchronizations started, by repository id
}

// newTenantData: every organization synchronized incrementally six hours
// before the anchor, the third one failing (its credentials expired).
func newTenantData(d *dataset, anchor time.Time) tenantData {
	td := tenantData{syncs: map[string]*orgSync{}, autoUpdate: true, repoSyncs: map[string]int{}}
	for i, o := range d.orgs {
		s := &orgSync{lastType: "Incremental", lastResult: "Success", lastStart: anchor.Add(-6 * time.Hour), lastEnd: anchor.Add(-6*time.Hour + 4*time.Minute)}
		if i == 2 {
			s.lastResult, s.lastError = "Error", "The remote server returned an error: (401) Unauthorized."
		}
		td.syncs[o.id] = s
	}
	return td
}

// serveTenant answers the tenant routes (their paths are not id after
// name, so they come before the generic checks); false: not one of them.
func (s *Server) serveTenant(w http.ResponseWriter, r *http.Request, parts []string) bool {
	v := s.opts.Version
	path := strings.Join(parts, "/")
	// since answers 404 on versions before n, as they have no such route.
	since := func(n int) bool {
		if v < n {
			s.fail(w, http.StatusNotFound, "ResourceNotFound", "No HTTP resource was found that matches the request URI.")
		}
		return v >= n
	}
	get := r.Method == http.MethodGet
	switch {
	case path == "license/autoupdate" && get:
		if !since(6) {
			return true
		}
		s.dataMu.RLock()
		defer s.dataMu.RUnlock()
		s.writeJSON(w, obj{{"isEnabled", s.data.autoUpdate}, {"_links", obj{{"self", link(s.href("/License/AutoUpdate"))}}}})
	case path == "licensing/statistic/usage" && get:
		if !since(7) {
			return true
		}
		s.dataMu.RLock()
		defer s.dataMu.RUnlock()
		org := strings.ToLower(r.URL.Query().Get("organizationId"))
		var orgs []obj
		for _, o := range s.data.orgs {
			if org != "" && org != o.id {
				continue
			}
			used, fresh := s.licenses(o)
			usage := obj{{"organizationId", o.id}}
			if v >= 8 {
				usage = append(usage, kv{"backedUpOrganizationId", o.id})
			}
			orgs = append(orgs, append(usage, kv{"organizationName", o.name}, kv{"usedObjectsCount", used}, kv{"usedPoints", float64(used)},
				kv{"newObjectsCount", fresh}, kv{"newPoints", float64(fresh)}))
		}
		if orgs == nil {
			orgs = []obj{}
		}
		s.writeJSON(w, obj{{"platformTypes", []obj{{{"platformId", uuidFor("platform Microsoft 365")}, {"typeId", 1}, {"organizations", orgs}}}}})
	case path == "restoreportalsettings" && get:
		if !since(6) {
			return true
		}
		s.writeJSON(w, obj{{"applicationId", uuidFor("restore portal application")}, {"msalAuthorityUri", "https://login.microsoftonline.com/organizations"},
			{"restorePortalUri", "https://vbo.contoso.local:4443/"}, {"isEnabled", true}})
	case len(parts) == 3 && parts[0] == "organizations" && parts[2] == "syncstate" && get:
		if !since(7) {
			return true
		}
		s.dataMu.RLock()
		defer s.dataMu.RUnlock()
		sync := s.data.syncs[parts[1]]
		s.serveOne(w, sync != nil, "Organization", func() obj { return s.syncStateJSON(parts[1], sync) })
	case len(parts) == 3 && parts[0] == "organizations" && parts[2] == "sync" && r.Method == http.MethodPost:
		if !since(7) {
			return true
		}
		var opts struct{ Type string }
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
		s.record(r, body)
		if json.Unmarshal(body, &opts) != nil || opts.Type != "Incremental" && opts.Type != "Full" {
			s.fail(w, http.StatusBadRequest, "ParameterValidationFailure", "The synchronization type is not valid.")
			return true
		}
		s.dataMu.Lock()
		defer s.dataMu.Unlock()
		sync := s.data.syncs[parts[1]]
		switch {
		case sync == nil:
			s.fail(w, http.StatusNotFound, "ResourceNotFound", "Organization with the specified ID was not found.")
		case sync.current != nil:
			s.fail(w, http.StatusBadRequest, "OperationConflict", "The organization is already being synchronized.")
		default:
			sync.current = &currentSync{kind: opts.Type, started: s.opts.Now()}
			if v == 7 { // v7 answers 200 with no body, v8 204
				w.WriteHeader(http.StatusOK)
				return true
			}
			w.WriteHeader(http.StatusNoContent)
		}
	case len(parts) == 3 && parts[0] == "backuprepositories" && parts[2] == "sync" && r.Method == http.MethodPost:
		if !since(6) {
			return true
		}
		s.record(r, nil)
		s.dataMu.Lock()
		defer s.dataMu.Unlock()
		if s.data.repoByID[parts[1]] == nil {
			s.fail(w, http.StatusNotFound, "ResourceNotFound", "Repository with the specified ID was not found.")
			return true
		}
		s.data.repoSyncs[parts[1]]++
		id := uuidFor("repository sync " + parts[1] + string(rune('0'+s.data.repoSyncs[parts[1]])))
		s.writeJSON(w, obj{{"id", id}, {"repositoryId", parts[1]}, {"state", "Synchronizing"}, {"progressPercent", 0}, {"error", ""},
			{"_links", obj{{"self", link(s.href("/RepositorySynchronizeSessions/" + id))}}}})
	case len(parts) == 4 && parts[0] == "proxies" && parts[2] == "maintenance" && (parts[3] == "enable" || parts[3] == "disable") && r.Method == http.MethodPost:
		if !since(8) {
			return true
		}
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
		s.record(r, []byte(`{"password":"hidden"}`)) // the sim keeps no secret it is sent
		var creds struct{ Username, Password string }
		s.dataMu.Lock()
		defer s.dataMu.Unlock()
		p := s.data.proxyByID[parts[1]]
		switch {
		case p == nil:
			s.fail(w, http.StatusNotFound, "ResourceNotFound", "Proxy with the specified ID was not found.")
		case json.Unmarshal(body, &creds) != nil || creds.Username != ProxyAdmin || creds.Password != proxyPassword:
			s.fail(w, http.StatusBadRequest, "ResourceAccessDenied", "The specified credentials are not valid for the proxy.")
		default:
			p.maintenance = parts[3] == "enable"
			w.WriteHeader(http.StatusNoContent)
		}
	case len(parts) == 2 && parts[0] == "licensedusers" && r.Method == http.MethodDelete:
		if !since(6) {
			return true
		}
		s.record(r, nil)
		s.dataMu.Lock()
		defer s.dataMu.Unlock()
		for i, u := range s.data.users {
			if u.id == parts[1] {
				s.data.users = append(s.data.users[:i:i], s.data.users[i+1:]...)
				w.WriteHeader(http.StatusNoContent)
				return true
			}
		}
		s.fail(w, http.StatusNotFound, "ResourceNotFound", "Licensed user with the specified ID was not found.")
	default:
		return false
	}
	return true
}

func (s *Server) syncStateJSON(organizationID string, sync *orgSync) obj {
	last := obj{{"type", sync.lastType}, {"result", sync.lastResult}, {"startTime", timeText(sync.lastStart)}, {"endTime", timeText(sync.lastEnd)}}
	if sync.lastError != "" {
		last = append(last, kv{"error", sync.lastError})
	} else {
		last = append(last, kv{"error", nil})
	}
	current := obj{{"type", "Incremental"}, {"scheduledTime", timeText(sync.lastStart.Add(24 * time.Hour))}, {"startTime", nil}, {"status", "Queued"}}
	if c := sync.current; c != nil {
		current = obj{{"type", c.kind}, {"scheduledTime", nil}, {"startTime", timeText(c.started)}, {"status", "Running"}}
	}
	return obj{{"organizationId", organizationID}, {"lastSyncState", last}, {"currentSyncState", current},
		{"_links", obj{{"self", link(s.href("/Organizations/" + organizationID + "/SyncState"))}}}}
}

// record keeps an action's request, as the job actions' are kept.
func (s *Server) record(r *http.Request, body []byte) {
	s.mu.Lock()
	s.actions = append(s.actions, Action{r.Method, r.URL.Path, string(body)})
	s.mu.Unlock()
}

// The credentials the simulator's proxies accept for their maintenance
// mode.
const (
	ProxyAdmin    = `CONTOSO\vbo-admin`
	proxyPassword = "proxy-admin-secret"
)

// ProxyCredentials are the credentials the simulator's proxies accept.
func (s *Server) ProxyCredentials() (username, password string) { return ProxyAdmin, proxyPassword }

// ProxyInMaintenance reports whether a proxy is in maintenance mode.
func (s *Server) ProxyInMaintenance(id string) bool {
	s.dataMu.RLock()
	defer s.dataMu.RUnlock()
	p := s.data.proxyByID[id]
	return p != nil && p.maintenance
}
