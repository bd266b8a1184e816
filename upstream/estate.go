package upstream

import (
	"context"
	"errors"
	"net/url"
	"sort"
	"strings"
	"time"
)

// The estate's collections are small (organizations, repositories, proxies:
// tens to hundreds), so the client reads each whole, one call (v8, which
// pages them: pages of 10,000), keeps it for the resource's lifetime, and
// serves every lookup by id from it; pages and filters are cut here, the
// same on every version.

// collection is a resource the server lists whole.
type collection[W, M any] struct {
	path     string       // "/CopyJobs"
	needs    []Capability // what a version must have to serve it (none: every version)
	model    func(*W) M
	id       func(*M) string
	ttl      func(Sharing) time.Duration
	extended bool // ask for the extended view (v6+), without which v7+ leave fields out
}

// query is what every request of the collection asks of c's server.
func (col collection[W, M]) query(c *Client) url.Values {
	if col.extended && c.has(ExtendedOrganizations) {
		// Organizations: v7 and v8 leave out isBackedup and the backup times
		// unless asked for the extended view; v6 requires the parameter.
		return url.Values{"extendedView": {"true"}}
	}
	return nil
}

// servedBy is a VersionError when c's server's version lacks the collection.
func (col collection[W, M]) servedBy(c *Client) error {
	for _, cap := range col.needs {
		if err := c.require(cap); err != nil {
			return err
		}
	}
	return nil
}

var (
	organizations = collection[wireOrganization, Organization]{"/Organizations", nil,
		(*wireOrganization).model, func(o *Organization) string { return o.ID }, func(s Sharing) time.Duration { return s.OrganizationTTL }, true}
	repositories = collection[wireRepository, BackupRepository]{"/BackupRepositories", nil,
		(*wireRepository).model, func(r *BackupRepository) string { return r.ID }, func(s Sharing) time.Duration { return s.RepositoryTTL }, false}
	proxies = collection[wireProxy, Proxy]{"/Proxies", nil,
		(*wireProxy).model, func(p *Proxy) string { return p.ID }, func(s Sharing) time.Duration { return s.ProxyTTL }, false}
	proxyPools = collection[wireProxyPool, ProxyPool]{"/ProxyPools", []Capability{ProxyPools},
		(*wireProxyPool).model, func(p *ProxyPool) string { return p.ID }, func(s Sharing) time.Duration { return s.ProxyTTL }, false}
	copyJobs = collection[wireCopyJob, CopyJob]{"/CopyJobs", []Capability{CopyJobs},
		(*wireCopyJob).model, func(j *CopyJob) string { return j.ID }, func(s Sharing) time.Duration { return s.JobTTL }, false}
	jobs = collection[wireJob, Job]{"/Jobs", nil,
		(*wireJob).model, func(j *Job) string { return j.ID }, func(s Sharing) time.Duration { return s.JobTTL }, false}
)

// listAll reads a whole collection, once per scope (callers must not change
// the slice). Each item is also filed under its own URL, so that a lookup by
// id next costs nothing.
func listAll[W, M any](ctx context.Context, c *Client, s *Scope, col collection[W, M]) ([]M, error) {
	if err := col.servedBy(c); err != nil {
		return nil, err
	}
	all, err := s.once(wholeKey(c, s, col), func() (any, error) { return readCollection(ctx, c, s, col) })
	if err != nil {
		return nil, err
	}
	return all.([]M), nil
}

// wholeKey names the reading of a whole collection within a scope; an
// action that changes the collection changes its key (see cacheKey), so
// that what the operation reads after the action is read anew.
func wholeKey[W, M any](c *Client, s *Scope, col collection[W, M]) string {
	return "whole " + c.cacheKey(s, c.url(col.path, nil))
}

func readCollection[W, M any](ctx context.Context, c *Client, s *Scope, col collection[W, M]) ([]M, error) {
	ttl := col.ttl(c.opts.Sharing)
	return readAll(nil, func(p PageRequest) (Page[M], error) {
		return listPage(ctx, c, s, "GET "+col.path, col.path, col.query(c), p, c.has(PagedCollections), col.model,
			func(items []M) time.Duration {
				for i := range items {
					fileItem(c, s, itemURL(c, col, col.id(&items[i])), &items[i], ttl)
				}
				return ttl
			})
	})
}

// itemURL is where an item of a collection lives, with what the
// collection asks of every request (the URL the cache files it under).
func itemURL[W, M any](c *Client, col collection[W, M], id string) string {
	return c.url(col.path+"/"+url.PathEscape(strings.ToLower(id)), col.query(c))
}

// getOne reads one item of a collection: GET path/{id}.
func getOne[W, M any](ctx context.Context, c *Client, s *Scope, col collection[W, M], id string) (*M, error) {
	if err := col.servedBy(c); err != nil {
		return nil, err
	}
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	req := request{route: "GET " + col.path + "/{id}", target: itemURL(c, col, id)}
	return getItem(ctx, c, s, req, col.model, col.id, func(*M) time.Duration { return col.ttl(c.opts.Sharing) })
}

// byID looks ids up in the whole collection (threshold 1, or when the
// operation reads the whole collection anyway) or, for a batch smaller than
// threshold, one GET each; an id the listing lacks is asked for on its own,
// since the listing may be older than the item. Results align with ids.
func byID[W, M any](ctx context.Context, c *Client, s *Scope, col collection[W, M], ids []string, threshold int) ([]*M, []error) {
	out, errs := make([]*M, len(ids)), make([]error, len(ids))
	missing := make([]int, 0, len(ids))
	for i := range ids {
		missing = append(missing, i)
	}
	if threshold > 0 && len(ids) >= threshold || s.started(wholeKey(c, s, col)) {
		all, err := listAll(ctx, c, s, col)
		var ve *VersionError
		if errors.As(err, &ve) {
			for i := range errs {
				errs[i] = err
			}
			return out, errs
		}
		if err == nil {
			index := make(map[string]*M, len(all))
			for i := range all {
				index[strings.ToLower(col.id(&all[i]))] = &all[i]
			}
			missing = missing[:0]
			for i, id := range ids {
				if m, ok := index[strings.ToLower(id)]; ok {
					out[i] = m
				} else {
					missing = append(missing, i)
				}
			}
		}
	}
	got, gotErrs := fanOut(ctx, s, len(missing), func(k int) (*M, error) { return getOne(ctx, c, s, col, ids[missing[k]]) })
	for k, i := range missing {
		out[i], errs[i] = got[k], gotErrs[k]
	}
	return out, errs
}

// Organizations lists every organization.
func (c *Client) Organizations(ctx context.Context, s *Scope) ([]Organization, error) {
	return listAll(ctx, c, s, organizations)
}

// OrganizationsByID looks organizations up by id.
func (c *Client) OrganizationsByID(ctx context.Context, s *Scope, ids []string) ([]*Organization, []error) {
	return byID(ctx, c, s, organizations, ids, 1)
}

// BackupRepositories lists every backup repository.
func (c *Client) BackupRepositories(ctx context.Context, s *Scope) ([]BackupRepository, error) {
	return listAll(ctx, c, s, repositories)
}

// BackupRepositoriesByID looks repositories up by id.
func (c *Client) BackupRepositoriesByID(ctx context.Context, s *Scope, ids []string) ([]*BackupRepository, []error) {
	return byID(ctx, c, s, repositories, ids, 1)
}

// Proxies lists every backup proxy.
func (c *Client) Proxies(ctx context.Context, s *Scope) ([]Proxy, error) {
	return listAll(ctx, c, s, proxies)
}

// ProxiesByID looks proxies up by id.
func (c *Client) ProxiesByID(ctx context.Context, s *Scope, ids []string) ([]*Proxy, []error) {
	return byID(ctx, c, s, proxies, ids, 1)
}

// ProxyPools lists every proxy pool (v8).
func (c *Client) ProxyPools(ctx context.Context, s *Scope) ([]ProxyPool, error) {
	return listAll(ctx, c, s, proxyPools)
}

// ProxyPoolsByID looks proxy pools up by id (v8).
func (c *Client) ProxyPoolsByID(ctx context.Context, s *Scope, ids []string) ([]*ProxyPool, []error) {
	return byID(ctx, c, s, proxyPools, ids, 1)
}

// CopyJobs lists every backup copy job (v6+).
func (c *Client) CopyJobs(ctx context.Context, s *Scope) ([]CopyJob, error) {
	return listAll(ctx, c, s, copyJobs)
}

// CopyJobsByID looks copy jobs up by id (v6+).
func (c *Client) CopyJobsByID(ctx context.Context, s *Scope, ids []string) ([]*CopyJob, []error) {
	return byID(ctx, c, s, copyJobs, ids, 1)
}

// OrganizationLicensing reads how many licenses each organization uses: GET
// /Organizations/{id}/LicensingInformation, concurrently. Results align
// with ids.
func (c *Client) OrganizationLicensing(ctx context.Context, s *Scope, ids []string) ([]*OrganizationLicensing, []error) {
	return fanOut(ctx, s, len(ids), func(i int) (*OrganizationLicensing, error) {
		if err := ValidateID(ids[i]); err != nil {
			return nil, err
		}
		path := "/Organizations/" + url.PathEscape(strings.ToLower(ids[i])) + "/LicensingInformation"
		req := request{route: "GET /Organizations/{id}/LicensingInformation", target: c.url(path, nil)}
		return fetch(ctx, c, s, req, func(body []byte) (*OrganizationLicensing, time.Duration, error) {
			var w wireLicensing
			if err := decodeJSON(body, &w); err != nil {
				return nil, 0, err
			}
			return &OrganizationLicensing{LicensedUsers: int(w.LicensedUsers.Value), NewUsers: int(w.NewUsers.Value)}, c.opts.Sharing.LicenseTTL, nil
		})
	})
}

// RepositoryUsage reads what each organization's backups take on each
// repository: GET /Organizations/{id}/usedRepositories (v6+), concurrently.
// Results align with ids.
func (c *Client) RepositoryUsage(ctx context.Context, s *Scope, ids []string) ([][]RepositoryUsage, []error) {
	return fanOut(ctx, s, len(ids), func(i int) ([]RepositoryUsage, error) {
		if err := c.require(UsedRepositories); err != nil {
			return nil, err
		}
		if err := ValidateID(ids[i]); err != nil {
			return nil, err
		}
		path := "/Organizations/" + url.PathEscape(strings.ToLower(ids[i])) + "/usedRepositories"
		ttl := func([]RepositoryUsage) time.Duration { return c.opts.Sharing.RepositoryTTL }
		var all []RepositoryUsage
		for offset := 0; ; offset += MaxPageLimit {
			p, err := listPage(ctx, c, s, "GET /Organizations/{id}/usedRepositories", path, nil, PageRequest{Offset: offset, Limit: MaxPageLimit}, true, (*wireUsage).model, ttl)
			if err != nil {
				return nil, err
			}
			all = append(all, p.Items...)
			if !p.HasMore || len(p.Items) == 0 {
				return all, nil
			}
		}
	})
}

// License reads the server's license: GET /License.
func (c *Client) License(ctx context.Context, s *Scope) (*License, error) {
	return fetch(ctx, c, s, request{route: "GET /License", target: c.url("/License", nil)}, func(body []byte) (*License, time.Duration, error) {
		var w wireLicense
		if err := decodeJSON(body, &w); err != nil {
			return nil, 0, err
		}
		l := w.model()
		l.stamp(c.opts.Name)
		return &l, c.opts.Sharing.LicenseTTL, nil
	})
}

// LicensedUsers lists licensed users, filtered by organization and name: by
// the server from v5, which pages them; here for v3 and v4, which answer
// every user as a bare array.
func (c *Client) LicensedUsers(ctx context.Context, s *Scope, f LicensedUserFilter, p PageRequest) (Page[LicensedUser], error) {
	if f.OrganizationID != "" {
		if err := ValidateID(f.OrganizationID); err != nil {
			return Page[LicensedUser]{}, err
		}
	}
	ttl := func([]LicensedUser) time.Duration { return c.opts.Sharing.LicenseTTL }
	if c.has(PagedLicensedUsers) {
		q := url.Values{}
		if f.OrganizationID != "" {
			q.Set("organizationId", f.OrganizationID)
		}
		if f.Name != "" {
			q.Set("name", f.Name)
		}
		return listPage(ctx, c, s, "GET /LicensedUsers", "/LicensedUsers", q, p, true, (*wireLicensedUser).model, ttl)
	}
	all, err := listPage(ctx, c, s, "GET /LicensedUsers", "/LicensedUsers", nil, PageRequest{Limit: MaxPageLimit}, false, (*wireLicensedUser).model, ttl)
	if err != nil {
		return Page[LicensedUser]{}, err
	}
	return cut(all.Items, p, func(u *LicensedUser) bool {
		return (f.OrganizationID == "" || u.OrganizationID != nil && strings.EqualFold(*u.OrganizationID, f.OrganizationID)) &&
			(f.Name == "" || strings.EqualFold(u.Name, f.Name))
	}), nil
}

// cut is the page p of the items keep keeps, counted.
func cut[T any](items []T, p PageRequest, keep func(*T) bool) Page[T] {
	var kept []T
	for i := range items {
		if keep == nil || keep(&items[i]) {
			kept = append(kept, items[i])
		}
	}
	total := len(kept)
	lo := min(max(p.Offset, 0), total)
	hi := total
	if p.Limit > 0 {
		hi = min(lo+p.Limit, total)
	}
	return Page[T]{Items: kept[lo:hi], Offset: lo, Total: &total, HasMore: hi < total}
}

// ServiceInstance reads what the server says of itself (v6+).
func (c *Client) ServiceInstance(ctx context.Context, s *Scope) (*ServiceInstance, error) {
	if err := c.require(ServiceDescription); err != nil {
		return nil, err
	}
	return fetch(ctx, c, s, request{route: "GET /ServiceInstance", target: c.url("/ServiceInstance", nil)}, func(body []byte) (*ServiceInstance, time.Duration, error) {
		var w wireServiceInstance
		if err := decodeJSON(body, &w); err != nil {
			return nil, 0, err
		}
		return &ServiceInstance{InstallationID: w.InstallationID, Version: w.Version}, c.opts.Sharing.OrganizationTTL, nil
	})
}

// Health reads the server's health report (v8).
func (c *Client) Health(ctx context.Context, s *Scope) (*Health, error) {
	if err := c.require(HealthReport); err != nil {
		return nil, err
	}
	return fetch(ctx, c, s, request{route: "GET /Health", target: c.url("/Health", nil)}, func(body []byte) (*Health, time.Duration, error) {
		var w wireHealth
		if err := decodeJSON(body, &w); err != nil {
			return nil, 0, err
		}
		statuses := []HealthStatus{Healthy, Unhealthy}
		h := &Health{Status: oneOf(w.Status, HealthUnknown, statuses...)}
		for name, e := range w.Entries {
			h.Entries = append(h.Entries, HealthEntry{Name: name, Status: oneOf(e.Status, HealthUnknown, statuses...), Description: e.Description})
		}
		sort.Slice(h.Entries, func(a, b int) bool { return h.Entries[a].Name < h.Entries[b].Name })
		return h, c.opts.Sharing.LiveTTL, nil
	})
}

// Version is the API version the client speaks.
func (c *Client) Version() int { return int(c.version.Load()) }
