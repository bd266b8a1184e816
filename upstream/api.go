package upstream

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

// MaxPageLimit is the largest page the upstream serves (documented from v5).
const MaxPageLimit = 10000

// JobSession fetches one session: GET /JobSessions/{id}.
func (c *Client) JobSession(ctx context.Context, id string) (*JobSession, error) {
	const route = "GET /JobSessions/{id}"
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	body, err := c.get(ctx, route, "/JobSessions/"+url.PathEscape(id), nil)
	if err != nil {
		return nil, err
	}
	var w wireSession
	if err := json.Unmarshal(body, &w); err != nil || w.ID == "" {
		return nil, decodeError(route, err)
	}
	s := w.model()
	return &s, nil
}

// Job fetches one job: GET /Jobs/{id}.
func (c *Client) Job(ctx context.Context, id string) (*Job, error) {
	const route = "GET /Jobs/{id}"
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	body, err := c.get(ctx, route, "/Jobs/"+url.PathEscape(id), nil)
	if err != nil {
		return nil, err
	}
	var w wireJob
	if err := json.Unmarshal(body, &w); err != nil || w.ID == "" {
		return nil, decodeError(route, err)
	}
	j := w.model()
	return &j, nil
}

// Jobs lists jobs: a bare array up to v7 (paged here), a page from v8.
func (c *Client) Jobs(ctx context.Context, p PageRequest) (Page[Job], error) {
	wp, err := listPage[wireJob](ctx, c, "GET /Jobs", "/Jobs", nil, p, c.version >= 8)
	return mapPage(wp, (*wireJob).model), err
}

// LogItems lists a session's log. The v3 server's `log` link ends in /log and
// answers 404, so the link is never used: the log is always at /LogItems.
func (c *Client) LogItems(ctx context.Context, sessionID string, p PageRequest) (Page[LogItem], error) {
	if err := ValidateID(sessionID); err != nil {
		return Page[LogItem]{}, err
	}
	path := "/JobSessions/" + url.PathEscape(sessionID) + "/LogItems"
	wp, err := listPage[wireLogItem](ctx, c, "GET /JobSessions/{id}/LogItems", path, nil, p, true)
	return mapPage(wp, func(w *wireLogItem) LogItem { return w.model(sessionID) }), err
}

// JobSessionsByID fetches sessions concurrently (no endpoint takes several
// ids), at most MaxConcurrency at a time. Results align with ids.
func (c *Client) JobSessionsByID(ctx context.Context, ids []string) ([]*JobSession, []error) {
	out, errs := make([]*JobSession, len(ids)), make([]error, len(ids))
	c.fanOut(ctx, len(ids), func(i int) { out[i], errs[i] = c.JobSession(ctx, ids[i]) })
	return out, errs
}

// LogRequest names one page of one session's log.
type LogRequest struct {
	SessionID string
	Page      PageRequest
}

// LogPages fetches several log pages concurrently. Results align with reqs.
func (c *Client) LogPages(ctx context.Context, reqs []LogRequest) ([]Page[LogItem], []error) {
	out, errs := make([]Page[LogItem], len(reqs)), make([]error, len(reqs))
	c.fanOut(ctx, len(reqs), func(i int) { out[i], errs[i] = c.LogItems(ctx, reqs[i].SessionID, reqs[i].Page) })
	return out, errs
}

// JobsByID fetches jobs. A batch of JobListThreshold ids or more costs one
// listing (GET /Jobs answers every job up to v7); ids the listing lacks, and
// smaller batches, are fetched one by one, concurrently.
func (c *Client) JobsByID(ctx context.Context, ids []string) ([]*Job, []error) {
	out, errs := make([]*Job, len(ids)), make([]error, len(ids))
	missing := make([]int, 0, len(ids))
	for i := range ids {
		missing = append(missing, i)
	}
	if t := c.opts.JobListThreshold; t > 0 && len(ids) >= t {
		if all, err := c.allJobs(ctx); err == nil {
			missing = missing[:0]
			for i, id := range ids {
				if j, ok := all[strings.ToLower(id)]; ok {
					out[i] = j
				} else {
					missing = append(missing, i)
				}
			}
		}
	}
	c.fanOut(ctx, len(missing), func(k int) {
		i := missing[k]
		out[i], errs[i] = c.Job(ctx, ids[i])
	})
	return out, errs
}

// allJobs indexes every job by id: one call up to v7, pages of 10,000 on v8.
func (c *Client) allJobs(ctx context.Context) (map[string]*Job, error) {
	all := map[string]*Job{}
	for offset := 0; ; offset += MaxPageLimit {
		p, err := c.Jobs(ctx, PageRequest{Offset: offset, Limit: MaxPageLimit})
		if err != nil {
			return nil, err
		}
		for i := range p.Items {
			all[strings.ToLower(p.Items[i].ID)] = &p.Items[i]
		}
		if !p.HasMore || len(p.Items) == 0 {
			return all, nil
		}
	}
}

// fanOut runs fn(0..n-1) concurrently. At most MaxConcurrency run at once
// per request (see WithRequestScope), however many batches the request's
// loaders cut, or per call outside a request scope.
func (c *Client) fanOut(ctx context.Context, n int, fn func(i int)) {
	sem := c.semaphore(ctx)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			fn(i)
		}()
	}
	wg.Wait()
}

type scopeKey struct{}

type requestScope struct {
	once sync.Once
	sem  chan struct{}
}

// WithRequestScope marks ctx as one GraphQL request: the upstream calls its
// batches fan out to share one concurrency bound.
func WithRequestScope(ctx context.Context) context.Context {
	return context.WithValue(ctx, scopeKey{}, &requestScope{})
}

func (c *Client) semaphore(ctx context.Context) chan struct{} {
	if rs, ok := ctx.Value(scopeKey{}).(*requestScope); ok {
		rs.once.Do(func() { rs.sem = make(chan struct{}, c.opts.MaxConcurrency) })
		return rs.sem
	}
	return make(chan struct{}, c.opts.MaxConcurrency)
}

// mapPage converts a page of wire items into the model.
func mapPage[W, M any](p Page[W], model func(*W) M) Page[M] {
	out := Page[M]{Offset: p.Offset, Total: p.Total, HasMore: p.HasMore, Items: make([]M, len(p.Items))}
	for i := range p.Items {
		out.Items[i] = model(&p.Items[i])
	}
	return out
}

// listPage reads one page of a collection. When the endpoint pages (paged),
// offset and limit go to the server; otherwise it answers the whole
// collection as a bare array and the page is cut here.
func listPage[T any](ctx context.Context, c *Client, route, path string, q url.Values, p PageRequest, paged bool) (Page[T], error) {
	if p.Limit <= 0 || p.Limit > MaxPageLimit {
		p.Limit = MaxPageLimit
	}
	if p.Offset < 0 {
		p.Offset = 0
	}
	if paged {
		if q == nil {
			q = url.Values{}
		}
		q.Set("offset", strconv.Itoa(p.Offset))
		q.Set("limit", strconv.Itoa(p.Limit))
	}
	body, err := c.get(ctx, route, path, q)
	if err != nil {
		return Page[T]{}, err
	}
	wp, err := decodeCollection[T](body)
	if err != nil {
		return Page[T]{}, decodeError(route, err)
	}
	out := Page[T]{Offset: p.Offset}
	if !wp.Limit.Set && !wp.Offset.Set {
		// A bare array (or an envelope that ignored paging): the whole collection.
		total := len(wp.Results)
		out.Total = &total
		lo := min(p.Offset, total)
		hi := min(lo+p.Limit, total)
		out.Items = wp.Results[lo:hi]
		out.HasMore = hi < total
		return out, nil
	}
	out.Items = wp.Results
	if len(out.Items) > p.Limit {
		out.Items = out.Items[:p.Limit]
	}
	if wp.TotalCount.Set {
		total := int(wp.TotalCount.Value)
		out.Total = &total
		out.HasMore = p.Offset+len(out.Items) < total
	} else if _, ok := wp.Links["next"]; ok {
		out.HasMore = len(out.Items) > 0
	} else {
		out.HasMore = len(out.Items) == p.Limit
	}
	return out, nil
}
