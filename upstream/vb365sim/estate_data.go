package vb365sim

import (
	"fmt"
	"time"
)

// The estate around the jobs: three organizations, four repositories (one
// on object storage, one nearly full, one long-term on an offline proxy),
// three proxies (one offline) in a pool, two backup copy jobs, licensed
// users and the license. Fixed, like the rest, by names and the anchor.

type organization struct {
	id, name, office, description string
	kind, region                  string
	exchange, sharePoint, teams   bool
}

type objectStorage struct {
	id, kind, bucket, folder string
	used                     int64
}

type repository struct {
	id, name, description, path string
	capacity, free              int64
	proxy                       *proxy
	storage                     *objectStorage // nil: a local disk
	longTerm                    bool
	retentionYears              string
}

type proxy struct {
	id, host, domain, kind, os string
	online                     bool
	pool                       *proxyPool
	cpu, memory                float64
	threads                    int
	roles                      []string
	maintenance                bool // switched by an operator (v8)
}

type proxyPool struct{ id, name, description string }

type copyJob struct {
	id, name   string
	backupJob  *job
	repository *repository
	enabled    bool
	runs       *job // the /Jobs entry whose sessions are this copy job's runs (nil: it never ran)
}

type licensedUser struct {
	id, name   string
	org        *organization
	state      string // Licensed, New, Exceeded
	lastBackup time.Time
}

type estate struct {
	seed          uuids
	repositoryIDs []string // the two repositories most jobs write to
	orgs          []*organization
	orgByID       map[string]*organization
	repos         []*repository
	repoByID      map[string]*repository
	proxies       []*proxy
	proxyByID     map[string]*proxy
	pools         []*proxyPool
	poolByID      map[string]*proxyPool
	copyJobs      []*copyJob
	copyByID      map[string]*copyJob
	users         []*licensedUser
}

const (
	organizationID = "63e92db4-1b5a-4b3e-9b2a-9f0c6d0e2a11"
	proxyID        = "5d0f7b8e-2c4a-4e7e-8d3b-1a2b3c4d5e6f"
	tib            = int64(1) << 40
	gib            = int64(1) << 30
)

var repositoryIDs = []string{"ce19de31-5d4a-4f1e-a0b3-7c2d9e8f1a20", "ce19de31-5d4a-4f1e-a0b3-7c2d9e8f1a21"}

func newEstate(anchor time.Time, seed uuids) *estate {
	e := &estate{seed: seed, repositoryIDs: []string{seed.fixed(repositoryIDs[0], "repo-0"), seed.fixed(repositoryIDs[1], "repo-1")}}
	e.orgs = []*organization{
		{seed.fixed(organizationID, "org-0"), "contoso.onmicrosoft.com", "contoso", "Contoso headquarters", "Office365", "Worldwide", true, true, true},
		{seed.of("org-1"), "fabrikam.onmicrosoft.com", "fabrikam", "Fabrikam GmbH", "Office365", "Germany", true, true, false},
		{seed.of("org-2"), "tailspin.local", "tailspin", "Tailspin Toys on-premises Exchange", "OnPremises", "Worldwide", true, false, false},
	}
	pool := &proxyPool{seed.of("pool-0"), "Contoso pool", "Proxies of the main site"}
	e.pools = []*proxyPool{pool}
	e.proxies = []*proxy{
		{seed.fixed(proxyID, "proxy-0"), "vbo-proxy01", "contoso.local", "Local", "Windows", true, pool, 37.5, 61.2, 64, []string{"Orchestrator", "Processor"}, false},
		{seed.of("proxy-1"), "vbo-proxy02", "contoso.local", "Domain", "Linux", true, pool, 12.25, 40.8, 64, []string{"Processor"}, false},
		{seed.of("proxy-2"), "vbo-proxy03", "fabrikam.local", "Workgroup", "Windows", false, nil, 0, 0, 32, []string{"Processor"}, false},
	}
	e.repos = []*repository{
		{e.repositoryIDs[0], "Local Repository", "Default repository of the main site", `D:\VeeamRepository`, 4 * tib, 1200 * gib, e.proxies[0], nil, false, "Years3"},
		{e.repositoryIDs[1], "Archive Repository", "Mailbox archives; nearly full", `E:\Archive`, 2 * tib, 95 * gib, e.proxies[1], nil, false, "Years7"},
		{seed.of("repo-2"), "Object Storage - Wasabi", "Exchange and OneDrive on object storage", `C:\ProgramData\Veeam\Backup365\Cache`, 500 * gib, 380 * gib, e.proxies[0],
			&objectStorage{seed.of("storage-0"), "WasabiCloud", "vb365-backups", "contoso", 3*tib + 400*gib}, false, "Years3"},
		{seed.of("repo-3"), "Long-term Archive", "Copies kept for ten years", `C:\ProgramData\Veeam\Backup365\LongTerm`, 200 * gib, 150 * gib, e.proxies[2],
			&objectStorage{seed.of("storage-1"), "AmazonS3Glacier", "vb365-longterm", "copies", 9 * tib}, true, "Years10"},
	}
	e.orgByID, e.repoByID, e.proxyByID, e.poolByID = map[string]*organization{}, map[string]*repository{}, map[string]*proxy{}, map[string]*proxyPool{}
	for _, o := range e.orgs {
		e.orgByID[o.id] = o
	}
	for _, r := range e.repos {
		e.repoByID[r.id] = r
	}
	for _, p := range e.proxies {
		e.proxyByID[p.id] = p
	}
	for _, p := range e.pools {
		e.poolByID[p.id] = p
	}
	for oi, o := range e.orgs {
		n := []int{40, 15, 5}[oi]
		for i := range n {
			h := hashOf(fmt.Sprintf("user-%d-%d", oi, i))
			state := "Licensed"
			switch {
			case i >= n-2:
				state = "New"
			case oi == 0 && i == n-3:
				state = "Exceeded"
			}
			e.users = append(e.users, &licensedUser{
				id:    seed.of(fmt.Sprintf("user-%d-%d", oi, i)),
				name:  fmt.Sprintf("user%02d@%s", i, o.name),
				org:   o,
				state: state, lastBackup: anchor.Add(-time.Duration(1+h%40) * time.Hour),
			})
		}
	}
	return e
}

// linkJobs places the jobs in organizations and repositories, and makes the
// copy jobs: the "Copy" job of /Jobs, and one that never ran.
func (e *estate) linkJobs(jobs []*job, version int) {
	for i, j := range jobs {
		switch {
		case i < 8:
			j.org, j.repository = e.orgs[0], e.repositoryIDs[i%2]
		case i < 10:
			j.org, j.repository = e.orgs[1], e.repos[2].id
		case i == 10:
			j.org, j.repository = e.orgs[2], e.repositoryIDs[0]
		default:
			j.org, j.repository = e.orgs[0], e.repos[2].id
		}
	}
	if version < 6 {
		return // backup copy jobs came with v6
	}
	e.copyJobs = []*copyJob{
		{jobs[len(jobs)-1].id, jobs[len(jobs)-1].name, jobs[0], e.repos[2], true, jobs[len(jobs)-1]},
		{e.seed.of("copy-1"), "Copy SharePoint to long-term", jobs[2], e.repos[3], false, nil},
	}
	e.copyByID = map[string]*copyJob{}
	for _, c := range e.copyJobs {
		e.copyByID[c.id] = c
	}
}
