package upstream

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// MaxPageLimit is the largest page the upstream serves (documented from v5).
const MaxPageLimit = 10000

// JobSession fetches one session: GET /JobSessions/{id}. A finished one is
// cached long, a running one briefly (see Sharing).
func (c *Client) JobSession(ctx context.Context, id string) (*JobSession, error) {
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	return fetch(ctx, c, "GET /JobSessions/{id}", c.sessionURL(id), func(body []byte) (*JobSession, time.Duration, error) {
		var w wireSession
		if err := json.Unmarshal(body, &w); err != nil || w.ID == "" {
			return nil, 0, orMissing(err, "id")
		}
		s := w.model()
		return &s, c.sessionTTL(&s), nil
	})
}

// PollJobSession fetches a session as the upstream has it now: the cache is
// not read (a call in flight is still joined). Subscriptions poll this way.
func (c *Client) PollJobSession(ctx context.Context, id string) (*JobSession, error) {
	return c.JobSession(context.WithValue(ctx, freshKey{}, true), id)
}

func (c *Client) sessionURL(id string) string {
	return c.url("/JobSessions/"+url.PathEscape(strings.ToLower(id)), nil)
}

func (c *Client) sessionTTL(s *JobSession) time.Duration {
	if s.Status.Final() {
		return c.opts.Sharing.FinalTTL
	}
	return c.opts.Sharing.LiveTTL
}

// Job fetches one job: GET /Jobs/{id}.
func (c *Client) Job(ctx context.Context, id string) (*Job, error) {
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	return fetch(ctx, c, "GET /Jobs/{id}", c.jobURL(id), func(body []byte) (*Job, time.Duration, error) {
		var w wireJob
		if err := json.Unmarshal(body, &w); err != nil || w.ID == "" {
			return nil, 0, orMissing(err, "id")
		}
		j := w.model()
		return &j, c.opts.Sharing.JobTTL, nil
	})
}

func orMissing(err error, field string) error {
	if err != nil {
		return err
	}
	return errors.New("the answer has no " + field)
}

func (c *Client) jobURL(id string) string {
	return c.url("/Jobs/"+url.PathEscape(strings.ToLower(id)), nil)
}

// Jobs lists jobs: a bare array up to v7 (paged here), a page from v8. Each
// job is also filed under its own URL.
func (c *Client) Jobs(ctx context.Context, p PageRequest) (Page[Job], error) {
	return listPage(ctx, c, "GET /Jobs", "/Jobs", nil, p, c.version >= 8, (*wireJob).model,
		func(ctx context.Context, jobs []Job) time.Duration {
			for i := range jobs {
				c.fileItem(ctx, c.jobURL(jobs[i].ID), &jobs[i], c.opts.Sharing.JobTTL)
			}
			return c.opts.Sharing.JobTTL
		})
}

// LogItems lists a session's log. The v3 server's `log` link ends in /log and
// answers 404, so the link is never used: the log is always at /LogItems.
func (c *Client) LogItems(ctx context.Context, sessionID string, p PageRequest) (Page[LogItem], error) {
	if err := ValidateID(sessionID); err != nil {
		return Page[LogItem]{}, err
	}
	path := "/JobSessions/" + url.PathEscape(sessionID) + "/LogItems"
	model := func(w *wireLogItem) LogItem { return w.model(sessionID) }
	return listPage(ctx, c, "GET /JobSessions/{id}/LogItems", path, nil, p, true, model, func(ctx context.Context, _ []LogItem) time.Duration {
		// A finished session's log is final too; a running one's grows.
		if e := c.cache.Get(cacheKey(ctx, c.sessionURL(sessionID))); e != nil && e.Value.(*JobSession).Status.Final() {
			return c.opts.Sharing.FinalTTL
		}
		return c.opts.Sharing.LiveTTL
	})
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

	// refused is the upstream's 401 or 403 to this operation's caller: once
	// given, the operation's other calls are not made (a batch of thousands
	// with a forged token would otherwise lock out or throttle the account).
	refused atomic.Pointer[Error]

	// With sharing off, identical GETs of one request still go out once.
	mu    sync.Mutex
	calls map[string]*scopedCall
}

type scopedCall struct {
	done chan struct{}
	val  any
	err  error
}

// onceInRequest runs fetch once per key within the request in ctx (every
// time when ctx is in no request scope).
func onceInRequest(ctx context.Context, key string, fetch func() (any, error)) (any, error) {
	rs, ok := ctx.Value(scopeKey{}).(*requestScope)
	if !ok {
		return fetch()
	}
	rs.mu.Lock()
	if rs.calls == nil {
		rs.calls = map[string]*scopedCall{}
	}
	c, found := rs.calls[key]
	if !found {
		c = &scopedCall{done: make(chan struct{})}
		rs.calls[key] = c
	}
	rs.mu.Unlock()
	if found {
		<-c.done
		return c.val, c.err
	}
	c.val, c.err = fetch()
	close(c.done)
	return c.val, c.err
}

// refusedIn returns the refusal the upstream gave the caller of ctx's
// operation, if any.
func refusedIn(ctx context.Context) error {
	if rs, ok := ctx.Value(scopeKey{}).(*requestScope); ok {
		if e := rs.refused.Load(); e != nil {
			return e
		}
	}
	return nil
}

// noteRefusal remembers a 401 or 403 for the rest of ctx's operation.
func noteRefusal(ctx context.Context, err error) {
	var e *Error
	if !errors.As(err, &e) || (e.Status != http.StatusUnauthorized && e.Status != http.StatusForbidden) {
		return
	}
	if rs, ok := ctx.Value(scopeKey{}).(*requestScope); ok {
		rs.refused.CompareAndSwap(nil, e)
	}
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

// listing is one decoded answer of a collection endpoint.
type listing[M any] struct {
	items []M
	whole bool // a bare array: the whole collection, paged here
	total *int
	next  bool // the answer links a next page
}

// listPage reads one page of a collection. When the endpoint pages (paged),
// offset and limit go to the server; otherwise it answers the whole
// collection as a bare array and the page is cut here. ttl says how long the
// decoded answer may be kept.
func listPage[W, M any](ctx context.Context, c *Client, route, path string, q url.Values, p PageRequest, paged bool,
	model func(*W) M, ttl func(context.Context, []M) time.Duration) (Page[M], error) {
	if p.Limit <= 0 || p.Limit > MaxPageLimit {
		p.Limit = MaxPageLimit
	}
	p.Offset = max(p.Offset, 0)
	if paged {
		q = maps.Clone(q)
		if q == nil {
			q = url.Values{}
		}
		q.Set("offset", strconv.Itoa(p.Offset))
		q.Set("limit", strconv.Itoa(p.Limit))
	}
	l, err := fetch(ctx, c, route, c.url(path, q), func(body []byte) (*listing[M], time.Duration, error) {
		wp, err := decodeCollection[W](body)
		if err != nil {
			return nil, 0, err
		}
		_, next := wp.Links["next"]
		l := &listing[M]{items: make([]M, len(wp.Results)), whole: !wp.Limit.Set && !wp.Offset.Set, next: next}
		for i := range wp.Results {
			l.items[i] = model(&wp.Results[i])
		}
		if wp.TotalCount.Set {
			total := int(wp.TotalCount.Value)
			l.total = &total
		}
		return l, ttl(ctx, l.items), nil
	})
	if err != nil {
		return Page[M]{}, err
	}
	return l.window(p), nil
}

// window cuts the requested page out of an answer.
func (l *listing[M]) window(p PageRequest) Page[M] {
	out := Page[M]{Offset: p.Offset}
	if l.whole {
		total := len(l.items)
		lo := min(p.Offset, total)
		hi := min(lo+p.Limit, total)
		out.Items, out.Total, out.HasMore = l.items[lo:hi], &total, hi < total
		return out
	}
	out.Items = l.items[:min(len(l.items), p.Limit)]
	switch {
	case l.total != nil:
		out.Total = l.total
		out.HasMore = p.Offset+len(out.Items) < *l.total
	case l.next:
		out.HasMore = len(out.Items) > 0
	default:
		out.HasMore = len(out.Items) == p.Limit
	}
	return out
}
