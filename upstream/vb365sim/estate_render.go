package vb365sim

import (
	"net/http"
	"net/url"
	"strings"
	"time"
)

// The estate's resources as each version writes them: bare arrays up to v7,
// pages from v8; newer fields only on the versions that have them; ids of
// related resources only in _links before the versions that add the field.

// organizationJSON writes an organization; v7+ leave out whether and when
// it was backed up unless asked for the extended view.
func (s *Server) organizationJSON(o *organization, extended bool) obj {
	v := s.opts.Version
	var first, last any
	if ss := s.sessionsOf(o); len(ss) > 0 {
		first, last = timeText(ss[len(ss)-1].created), timeText(ss[0].created)
	}
	out := obj{{"id", o.id}, {"name", o.name}, {"officeName", o.office}}
	if v >= 8 {
		out = append(out, kv{"description", o.description})
	}
	out = append(out, kv{"type", o.kind}, kv{"region", o.region},
		kv{"isExchangeOnline", o.exchange && o.kind != "OnPremises"}, kv{"isSharePointOnline", o.sharePoint})
	if v >= 5 { // Teams backup came with v5
		out = append(out, kv{"isTeamsOnline", o.teams})
	}
	if v >= 6 {
		out = append(out, kv{"isTeamsChatsOnline", false})
	}
	if extended || v <= 6 {
		out = append(out, kv{"isBackedup", first != nil}, kv{"firstBackuptime", first}, kv{"lastBackuptime", last})
	}
	links := obj{{"self", link(s.href("/Organizations/" + o.id))}, {"jobs", link(s.href("/Organizations/" + o.id + "/Jobs"))}}
	if v >= 6 {
		links = append(links, kv{"usedRepositories", link(s.href("/Organizations/" + o.id + "/usedRepositories"))})
	}
	return append(out, kv{"_links", links})
}

// sessionsOf lists an organization's sessions that have started, newest first.
func (s *Server) sessionsOf(o *organization) []*session {
	now := s.opts.Now()
	var out []*session
	for _, ss := range s.data.sessions {
		if ss.job.org == o && !ss.created.After(now) {
			out = append(out, ss)
		}
	}
	return out
}

func (s *Server) repositoryJSON(r *repository) obj {
	v := s.opts.Version
	out := obj{}
	if r.storage != nil && v >= 4 && v <= 7 { // object storage came with v4
		out = append(out, kv{"objectStorageId", r.storage.id}, kv{"objectStorageCachePath", r.path})
	}
	if v >= 5 {
		out = append(out, kv{"objectStorageEncryptionEnabled", false}, kv{"encryptionKeyId", nil})
	}
	if v >= 6 && v <= 7 {
		out = append(out, kv{"isOutOfSync", false})
	}
	out = append(out, kv{"capacityBytes", r.capacity}, kv{"freeSpaceBytes", r.free},
		kv{"id", r.id}, kv{"name", r.name}, kv{"description", r.description}, kv{"path", r.path},
		kv{"retentionType", "ItemLevel"}, kv{"retentionPeriodType", "Yearly"}, kv{"yearlyRetentionPeriod", r.retentionYears},
		kv{"retentionFrequencyType", "Daily"}, kv{"dailyTime", "02:00:00"}, kv{"dailyType", "Everyday"})
	if v >= 6 {
		out = append(out, kv{"proxyId", r.proxy.id})
	}
	if v >= 8 {
		var pool any
		if r.proxy.pool != nil {
			pool = r.proxy.pool.id
		}
		out = append(out, kv{"proxyPoolId", pool}, kv{"organizationId", nil})
	}
	if v >= 4 {
		out = append(out, kv{"isLongTerm", r.longTerm})
	}
	if v >= 8 {
		out = append(out, kv{"isOutdated", false}, kv{"isOutOfSync", false}, kv{"isIndexed", true}, kv{"isMigrationLocked", false},
			kv{"isOutOfOrder", !r.proxy.online}, kv{"outOfOrderReason", map[bool]any{true: "Proxy is offline", false: nil}[!r.proxy.online]})
	}
	out = append(out, kv{"_links", obj{{"self", link(s.href("/BackupRepositories/" + r.id))}, {"proxy", link(s.href("/Proxies/" + r.proxy.id))}}})
	if v >= 8 && r.storage != nil {
		bucket := obj{{"servicePoint", "https://s3.wasabisys.com"}, {"customRegionId", "us-east-1"}, {"name", r.storage.bucket}}
		storage := obj{{"s3Folder", r.storage.folder}, {"id", r.storage.id}, {"sizeLimitEnabled", false}, {"usedSpaceBytes", r.storage.used}, {"type", r.storage.kind}}
		if r.storage.kind == "WasabiCloud" {
			storage = append(obj{{"amazonBucketS3Compatible", bucket}}, storage...)
		} else {
			storage = append(storage, kv{"amazonBucketS3Aws", obj{{"regionType", "Global"}, {"regionName", "eu-west-1"}, {"name", r.storage.bucket}}})
		}
		out = append(out, kv{"objectStorage", storage})
	}
	return out
}

func (s *Server) proxyJSON(p *proxy) obj {
	v := s.opts.Version
	out := obj{{"type", p.kind}}
	if v >= 8 {
		out = append(out, kv{"operatingSystem", p.os})
	}
	out = append(out, kv{"id", p.id})
	if v >= 8 {
		var pool any
		if p.pool != nil {
			pool = p.pool.id
		}
		out = append(out, kv{"proxyPoolId", pool})
	}
	out = append(out, kv{"hostName", p.host})
	if v >= 7 {
		out = append(out, kv{"fqdn", p.host + "." + p.domain})
	}
	out = append(out, kv{"description", "Backup proxy at " + p.domain}, kv{"port", 9193})
	if v <= 7 {
		out = append(out, kv{"threadsNumber", p.threads})
	}
	out = append(out, kv{"status", map[bool]string{true: "Online", false: "Offline"}[p.online]})
	if v >= 8 {
		var cpu, memory any = p.cpu, p.memory
		if !p.online {
			cpu, memory = nil, nil
		}
		out = append(out, kv{"maintenanceModeState", map[bool]string{false: "Disabled", true: "Enabled"}[p.maintenance]}, kv{"cpuUsagePercent", cpu}, kv{"memoryUsagePercent", memory},
			kv{"version", s.productVersion()}, kv{"serviceAccount", serviceAccount}, kv{"role", p.roles})
	}
	return append(out, kv{"_links", obj{{"self", link(s.href("/Proxies/" + p.id))}, {"repositories", link(s.href("/BackupRepositories?proxyId=" + p.id))}}})
}

func (s *Server) poolJSON(p *proxyPool) obj {
	return obj{{"id", p.id}, {"name", p.name}, {"description", p.description}, {"_links", obj{{"self", link(s.href("/ProxyPools/" + p.id))}}}}
}

func (s *Server) copyJobJSON(c *copyJob) obj {
	v := s.opts.Version
	var lastRun, lastStatus, lastBackup, nextRun any
	if c.runs != nil {
		j := s.jobJSON(c.runs)
		for _, f := range j {
			switch f.k {
			case "lastRun":
				lastRun = f.v
			case "lastStatus":
				lastStatus = f.v
			case "lastBackup":
				lastBackup = f.v
			case "nextRun":
				nextRun = f.v
			}
		}
	}
	out := obj{{"backupJobId", c.backupJob.id},
		{"schedulePolicy", obj{{"type", "Immediate"}, {"backupCopyWindowEnabled", false}}},
		{"id", c.id}}
	if v >= 8 {
		out = append(out, kv{"organizationId", c.backupJob.org.id})
	}
	out = append(out, kv{"repositoryId", c.repository.id}, kv{"name", c.name}, kv{"lastRun", lastRun}, kv{"nextRun", nextRun})
	if v >= 8 {
		out = append(out, kv{"lastBackup", lastBackup})
	}
	out = append(out, kv{"isEnabled", c.enabled}, kv{"lastStatus", lastStatus})
	if v >= 8 {
		out = append(out, kv{"eTag", int64(hashOf(c.id) % 100000)})
	}
	return append(out, kv{"_links", obj{
		{"self", link(s.href("/CopyJobs/" + c.id))},
		{"backupJob", link(s.href("/Jobs/" + c.backupJob.id))},
		{"repository", link(s.href("/BackupRepositories/" + c.repository.id))},
	}})
}

func (s *Server) licensedUserJSON(u *licensedUser) obj {
	out := obj{{"id", u.id}, {"name", u.name}, {"isBackedUp", u.state != "New"}, {"lastBackupDate", timeText(u.lastBackup)}, {"licenseState", u.state}}
	if s.opts.Version >= 6 {
		out = append(out, kv{"organizationId", u.org.id}, kv{"backedUpOrganizationId", u.org.id})
	}
	return append(out, kv{"organizationName", u.org.name}, kv{"_links", obj{{"organization", link(s.href("/Organizations/" + u.org.id))}}})
}

func (s *Server) licenseJSON() obj {
	v := s.opts.Version
	used, fresh := 0, 0
	for _, u := range s.data.users {
		switch u.state {
		case "Licensed", "Exceeded":
			used++
		case "New":
			fresh++
		}
	}
	expires := timeText(s.opts.Anchor.Add(200 * 24 * time.Hour).Truncate(24 * time.Hour))
	out := obj{{"licenseID", uuidFor("license")}, {"email", "backup-admins@contoso.com"}, {"status", "Valid"}}
	if v <= 6 {
		out = append(out, kv{"expirationDate", expires})
	} else {
		out = append(out, kv{"licenseExpires", expires}, kv{"gracePeriodExpires", timeText(s.opts.Anchor.Add(230 * 24 * time.Hour).Truncate(24 * time.Hour))})
	}
	out = append(out, kv{"type", "Subscription"})
	if v >= 7 {
		out = append(out, kv{"package", "Enterprise"})
	}
	out = append(out, kv{"licensedTo", "Contoso Ltd"})
	if v <= 6 {
		out = append(out, kv{"contactPerson", "Jane Doe"})
	}
	out = append(out, kv{"totalNumber", 100}, kv{"usedNumber", used}, kv{"newNumber", fresh}, kv{"supportID", "01234567"})
	if v <= 6 {
		out = append(out, kv{"supportExpirationDate", expires})
	}
	return out
}

func (s *Server) licensingJSON(o *organization) obj {
	licensed, fresh := s.licenses(o)
	return obj{{"licensedUsers", licensed}, {"newUsers", fresh}}
}

// licenses counts an organization's licensed users, and of them the new.
func (s *Server) licenses(o *organization) (licensed, fresh int) {
	for _, u := range s.data.users {
		switch {
		case u.org != o:
		case u.state == "New":
			fresh++
		default:
			licensed++
		}
	}
	return licensed, fresh
}

// usedRepositories is what an organization's backups take on each
// repository its jobs write to.
func (s *Server) usedRepositories(o *organization) []obj {
	var out []obj
	for _, r := range s.data.repos {
		used, objects := s.usage(o, r)
		if used == 0 {
			continue
		}
		u := obj{}
		if s.opts.Version >= 8 {
			u = append(u, kv{"repositoryId", r.id})
		}
		cache, storage := s.storageOf(r, used)
		u = append(u, kv{"usedSpaceBytes", used}, kv{"localCacheUsedSpaceBytes", cache}, kv{"objectStorageUsedSpaceBytes", storage},
			kv{"isAvailable", r.proxy.online}, kv{"details", map[bool]string{true: "", false: "The backup proxy of the repository is offline."}[r.proxy.online]})
		if s.opts.Version >= 8 {
			u = append(u, kv{"protectedObjectsCount", objects})
		}
		out = append(out, append(u, kv{"_links", obj{{"backupRepository", link(s.href("/BackupRepositories/" + r.id))}}}))
	}
	return out
}

// usage is what an organization's backups take on a repository: bytes and
// objects.
func (s *Server) usage(o *organization, r *repository) (used, objects int64) {
	for _, ss := range s.sessionsOf(o) {
		if ss.job.repository == r.id {
			used += ss.bytes / 4
			objects += ss.objects / 50
		}
	}
	return used, objects
}

// storageOf splits used bytes between the local cache and object storage
// (null for a repository on local disk).
func (s *Server) storageOf(r *repository, used int64) (cache, storage any) {
	if r.storage != nil {
		return used / 20, used
	}
	return nil, nil
}

func (s *Server) productVersion() string {
	return map[int]string{3: "3.0.0.422", 4: "4.0.1.612", 5: "5.0.3.1063", 6: "6.1.0.254", 7: "7.1.0.1501", 8: "8.0.2.159"}[s.opts.Version]
}

// serveCollection answers a whole collection: a bare array up to v7, pages
// on v8.
func (s *Server) serveCollection(w http.ResponseWriter, q url.Values, path string, items []obj) {
	if s.opts.Version <= 7 {
		if items == nil {
			items = []obj{}
		}
		s.writeJSON(w, items)
		return
	}
	offset, limit := paging(q)
	s.writeJSON(w, s.page(path, q, offset, limit, len(items), window(items, offset, limit)))
}

// servePaged answers a collection that pages from v5 (bare before).
func (s *Server) servePaged(w http.ResponseWriter, q url.Values, path string, items []obj) {
	if s.opts.Version <= 4 {
		if items == nil {
			items = []obj{}
		}
		s.writeJSON(w, items)
		return
	}
	offset, limit := paging(q)
	s.writeJSON(w, s.page(path, q, offset, limit, len(items), window(items, offset, limit)))
}

// serveEstate answers the estate's routes; false: not one of them.
func (s *Server) serveEstate(w http.ResponseWriter, route string, id string, q url.Values) bool {
	v := s.opts.Version
	d := s.data
	notServed := func() {
		s.fail(w, http.StatusNotFound, "ResourceNotFound", "No HTTP resource was found that matches the request URI.")
	}
	switch route {
	case "GET /Organizations":
		var out []obj
		for _, o := range d.orgs {
			out = append(out, s.organizationJSON(o, q.Get("extendedView") == "true"))
		}
		s.serveCollection(w, q, "/Organizations", out)
	case "GET /Organizations/{id}":
		o := d.orgByID[id]
		s.serveOne(w, o != nil, "Organization", func() obj { return s.organizationJSON(o, q.Get("extendedView") == "true") })
	case "GET /Organizations/{id}/LicensingInformation":
		o := d.orgByID[id]
		s.serveOne(w, o != nil, "Organization", func() obj { return s.licensingJSON(o) })
	case "GET /Organizations/{id}/usedRepositories":
		o := d.orgByID[id]
		switch {
		case v < 6:
			notServed()
		case o == nil:
			s.fail(w, http.StatusNotFound, "ResourceNotFound", "Organization with the specified ID was not found.")
		default:
			offset, limit := paging(q)
			used := s.usedRepositories(o)
			s.writeJSON(w, s.page("/Organizations/"+id+"/usedRepositories", q, offset, limit, len(used), window(used, offset, limit)))
		}
	case "GET /BackupRepositories":
		var out []obj
		for _, r := range d.repos {
			if p := strings.ToLower(q.Get("proxyId")); v >= 6 && p != "" && r.proxy.id != p {
				continue
			}
			out = append(out, s.repositoryJSON(r))
		}
		s.serveCollection(w, q, "/BackupRepositories", out)
	case "GET /BackupRepositories/{id}":
		r := d.repoByID[id]
		s.serveOne(w, r != nil, "Backup repository", func() obj { return s.repositoryJSON(r) })
	case "GET /Proxies":
		var out []obj
		for _, p := range d.proxies {
			out = append(out, s.proxyJSON(p))
		}
		s.serveCollection(w, q, "/Proxies", out)
	case "GET /Proxies/{id}":
		p := d.proxyByID[id]
		s.serveOne(w, p != nil, "Proxy", func() obj { return s.proxyJSON(p) })
	case "GET /ProxyPools", "GET /ProxyPools/{id}":
		if v < 8 {
			notServed()
			return true
		}
		if id != "" {
			p := d.poolByID[id]
			s.serveOne(w, p != nil, "Proxy pool", func() obj { return s.poolJSON(p) })
			return true
		}
		var out []obj
		for _, p := range d.pools {
			out = append(out, s.poolJSON(p))
		}
		s.serveCollection(w, q, "/ProxyPools", out)
	case "GET /CopyJobs", "GET /CopyJobs/{id}":
		if v < 6 {
			notServed()
			return true
		}
		if id != "" {
			c := d.copyByID[id]
			s.serveOne(w, c != nil, "Copy job", func() obj { return s.copyJobJSON(c) })
			return true
		}
		var out []obj
		for _, c := range d.copyJobs {
			if r := strings.ToLower(q.Get("repositoryId")); r != "" && c.repository.id != r {
				continue
			}
			out = append(out, s.copyJobJSON(c))
		}
		s.serveCollection(w, q, "/CopyJobs", out)
	case "GET /License":
		s.writeJSON(w, s.licenseJSON())
	case "GET /LicensedUsers":
		org, name := "", ""
		if v >= 5 {
			org, name = strings.ToLower(q.Get("organizationId")), q.Get("name")
		}
		var out []obj
		for _, u := range d.users {
			if (org == "" || u.org.id == org) && (name == "" || strings.EqualFold(u.name, name)) {
				out = append(out, s.licensedUserJSON(u))
			}
		}
		s.servePaged(w, q, "/LicensedUsers", out)
	case "GET /ServiceInstance":
		if v < 6 {
			notServed()
			return true
		}
		s.writeJSON(w, obj{{"installationId", uuidFor("installation")}, {"version", s.productVersion()}})
	case "GET /Health":
		if v < 8 {
			notServed()
			return true
		}
		healthy := obj{{"status", "Healthy"}, {"description", nil}}
		s.writeJSON(w, obj{{"status", "Healthy"}, {"entries", obj{{"NATS", healthy}, {"PostgreSQL", healthy}}}})
	default:
		return false
	}
	return true
}
