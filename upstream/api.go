package upstream

import (
	"context"
	"errors"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// MaxPageLimit is the largest page the upstream serves (documented from v5).
const MaxPageLimit = 10000

// JobSession fetches one session: GET /JobSessions/{id}. A finished one is
// cached long, a running one briefly (see Sharing).
func (c *Client) JobSession(ctx context.Context, s *Scope, id string) (*JobSession, error) {
	return c.jobSession(ctx, s, id, false)
}

// PollJobSession fetches a session as the upstream has it now: the cache is
// not read (a call in flight is still joined). Subscriptions poll this way.
func (c *Client) PollJobSession(ctx context.Context, s *Scope, id string) (*JobSession, error) {
	return c.jobSession(ctx, s, id, true)
}

func (c *Client) jobSession(ctx context.Context, s *Scope, id string, fresh bool) (*JobSession, error) {
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	req := request{route: "GET /JobSessions/{id}", target: c.sessionURL(id), fresh: fresh}
	return getItem(ctx, c, s, req, (*wireSession).model, func(m *JobSession) string { return m.ID }, c.sessionTTL)
}

// getItem reads one resource: it must have an id; ttl says how long it may
// be kept.
func getItem[W, M any](ctx context.Context, c *Client, s *Scope, req request, model func(*W) M, id func(*M) string, ttl func(*M) time.Duration) (*M, error) {
	return fetch(ctx, c, s, req, func(body []byte) (*M, time.Duration, error) {
		var w W
		if err := decodeJSON(body, &w); err != nil {
			return nil, 0, err
		}
		m := model(&w)
		if id(&m) == "" {
			return nil, 0, orMissing(nil, "id")
		}
		if s, ok := any(&m).(stamped); ok {
			s.stamp(c.opts.Name)
		}
		return &m, ttl(&m), nil
	})
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
func (c *Client) Job(ctx context.Context, s *Scope, id string) (*Job, error) {
	return getOne(ctx, c, s, jobs, id)
}

func orMissing(err error, field string) error {
	if err != nil {
		return err
	}
	return errors.New("the answer has no " + field)
}

func (c *Client) jobURL(id string) string { return itemURL(c, jobs, id) }

// Jobs lists every job: one call up to v7 (a bare array), pages of 10,000
// on v8. Each job is also filed under its own URL.
func (c *Client) Jobs(ctx context.Context, s *Scope) ([]Job, error) {
	return listAll(ctx, c, s, jobs)
}

// LogItems lists a session's log. The v3 server's `log` link ends in /log and
// answers 404, so the link is never used: the log is always at /LogItems.
func (c *Client) LogItems(ctx context.Context, s *Scope, sessionID string, p PageRequest) (Page[LogItem], error) {
	if err := ValidateID(sessionID); err != nil {
		return Page[LogItem]{}, err
	}
	path := "/JobSessions/" + url.PathEscape(sessionID) + "/LogItems"
	model := func(w *wireLogItem) LogItem { return w.model(sessionID) }
	return listPage(ctx, c, s, "GET /JobSessions/{id}/LogItems", path, nil, p, true, model,
		func([]LogItem) time.Duration { return c.sessionPartTTL(s, sessionID) })
}

// JobSessionsByID fetches sessions concurrently (no endpoint takes several
// ids). Results align with ids.
func (c *Client) JobSessionsByID(ctx context.Context, s *Scope, ids []string) ([]*JobSession, []error) {
	return fanOut(ctx, s, len(ids), func(i int) (*JobSession, error) { return c.JobSession(ctx, s, ids[i]) })
}

// LogRequest names one page of one session's log.
type LogRequest struct {
	SessionID string
	Page      PageRequest
}

// LogPages fetches several log pages concurrently. Results align with reqs.
func (c *Client) LogPages(ctx context.Context, s *Scope, reqs []LogRequest) ([]Page[LogItem], []error) {
	return fanOut(ctx, s, len(reqs), func(i int) (Page[LogItem], error) {
		return c.LogItems(ctx, s, reqs[i].SessionID, reqs[i].Page)
	})
}

// JobsByID fetches jobs. A batch of ListThreshold ids or more costs one
// listing (GET /Jobs answers every job up to v7); ids the listing lacks, and
// smaller batches, are fetched one by one, concurrently.
func (c *Client) JobsByID(ctx context.Context, s *Scope, ids []string) ([]*Job, []error) {
	return byID(ctx, c, s, jobs, ids, c.opts.ListThreshold)
}

// listing is one decoded answer of a collection endpoint.
type listing[M any] struct {
	items  []M
	whole  bool // a bare array: the whole collection, paged here
	total  *int
	next   bool   // the answer links a next page
	linked bool   // the answer has page links at all: no next link is no next page
	setID  string // the result set the server keeps for the listing
}

// listPage reads one page of a collection. When the endpoint pages (paged),
// offset and limit go to the server; otherwise it answers the whole
// collection as a bare array and the page is cut here. ttl says how long the
// decoded answer may be kept.
func listPage[W, M any](ctx context.Context, c *Client, s *Scope, route, path string, q url.Values, p PageRequest, paged bool,
	model func(*W) M, ttl func([]M) time.Duration) (Page[M], error) {
	return readPage(ctx, c, s, request{route: route}, path, q, p, paged, model, ttl)
}

// readPage is listPage for a request that may be a search's POST
// (req.payload): req's target is made of path, q and the page's window.
func readPage[W, M any](ctx context.Context, c *Client, s *Scope, req request, path string, q url.Values, p PageRequest, paged bool,
	model func(*W) M, ttl func([]M) time.Duration) (Page[M], error) {
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
		if p.SetID != "" {
			q.Set("setId", p.SetID)
		}
	}
	req.target, req.fresh = c.url(path, q), p.Fresh
	l, err := fetch(ctx, c, s, req, func(body []byte) (*listing[M], time.Duration, error) {
		wp, err := decodeCollection[W](body)
		if err != nil {
			return nil, 0, err
		}
		_, next := wp.Links["next"]
		l := &listing[M]{whole: !wp.Limit.Set && !wp.Offset.Set, next: next, linked: len(wp.Links) > 0, setID: wp.SetID}
		results := wp.Results
		if !l.whole && len(results) > p.Limit {
			results = results[:p.Limit] // more than asked for: the rest is never read, nor kept
		}
		l.items = make([]M, len(results))
		for i := range results {
			l.items[i] = model(&results[i])
		}
		stampAll(c.opts.Name, l.items)
		if wp.TotalCount.Set {
			total := int(wp.TotalCount.Value)
			l.total = &total
		}
		return l, ttl(l.items), nil
	})
	if err != nil {
		return Page[M]{}, err
	}
	return l.window(p), nil
}

// window cuts the requested page out of an answer. A page of a whole
// collection is a copy: the collection (a v3 server's whole session history,
// say) stays with the cache, which counts it, not with every request that
// read a page of it.
func (l *listing[M]) window(p PageRequest) Page[M] {
	out := Page[M]{Offset: p.Offset, SetID: l.setID}
	if l.whole {
		total := len(l.items)
		lo := min(p.Offset, total)
		hi := min(lo+p.Limit, total)
		out.Items, out.Total, out.HasMore = slices.Clone(l.items[lo:hi]), &total, hi < total
		return out
	}
	out.Items = l.items[:min(len(l.items), p.Limit)]
	switch {
	case l.total != nil:
		out.Total = l.total
		out.HasMore = p.Offset+len(out.Items) < *l.total
	case l.next || l.linked:
		out.HasMore = l.next && len(out.Items) > 0
	default:
		out.HasMore = len(out.Items) == p.Limit
	}
	return out
}
