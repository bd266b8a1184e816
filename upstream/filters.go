package upstream

import (
	"context"
	"net/url"
	"strings"
	"time"
)

// SessionFilter narrows a session listing. Each filter goes to the upstream
// where the version supports it and is applied here where it does not; the
// result is the same either way.
type SessionFilter struct {
	JobID         string         // only this job's sessions
	Status        *SessionStatus // only sessions in this status now
	JobType       *JobType       // backup or backup copy (copy jobs exist from v6)
	CreatedAfter  *time.Time     // sessions created at or after this time
	CreatedBefore *time.Time     // sessions created at or before this time
}

// sessionPlan is how one filtered listing is fetched: a route and its
// query, plus what the gateway still has to filter itself (nil: nothing).
type sessionPlan struct {
	route, path string
	query       url.Values
	local       func(*JobSession) bool
}

// v8's status filter knows these statuses, and spells Success "Succeeded".
var v8StatusParam = map[SessionStatus]string{
	StatusStopped: "Stopped", StatusRunning: "Running", StatusSuccess: "Succeeded",
	StatusFailed: "Failed", StatusWarning: "Warning",
}

// planSessions decides which filters the upstream applies:
//
//	jobType, createdAfter (endTimeLowerBound)  v6+ on /JobSessions
//	createdBefore (endTimeUpperBound), jobId   v7+ on /JobSessions
//	status                                     v8, five of the eight statuses
//
// Up to v6 a job's sessions are at /Jobs/{id}/JobSessions, which takes no
// other filter; when other filters would go to the server, /JobSessions is
// used instead and the job is matched here, from each session's job link.
func (c *Client) planSessions(f SessionFilter) sessionPlan {
	p := sessionPlan{route: "GET /JobSessions", path: "/JobSessions", query: url.Values{}}
	// Without a job filter upstream, a job's sessions are its own listing,
	// unless a filter that listing cannot take is asked for.
	byJobRoute := f.JobID != "" && !c.has(SessionJobFilter) &&
		!(c.has(SessionJobTypeFilter) && f.JobType != nil || c.has(SessionCreatedAfterFilter) && f.CreatedAfter != nil)
	var checks []func(*JobSession) bool
	serverSide := func(upstream bool, param, value string, check func(*JobSession) bool) {
		if upstream && !byJobRoute { // the job's own listing takes no query filter
			p.query.Set(param, value)
		} else {
			checks = append(checks, check)
		}
	}
	if byJobRoute {
		// The job's own listing, with the rest filtered here.
		p.route, p.path = "GET /Jobs/{id}/JobSessions", "/Jobs/"+url.PathEscape(f.JobID)+"/JobSessions"
	} else if f.JobID != "" {
		id := strings.ToLower(f.JobID)
		serverSide(c.has(SessionJobFilter), "jobId", f.JobID, func(s *JobSession) bool {
			return s.JobID != nil && strings.ToLower(*s.JobID) == id
		})
	}
	if t := f.JobType; t != nil {
		serverSide(c.has(SessionJobTypeFilter), "jobType", string(*t), func(s *JobSession) bool {
			got := JobTypeBackup // before v6 there were only backup jobs
			if s.JobType != nil {
				got = *s.JobType
			}
			return got == *t
		})
	}
	if a := f.CreatedAfter; a != nil {
		serverSide(c.has(SessionCreatedAfterFilter), "endTimeLowerBound", a.UTC().Format(time.RFC3339Nano), func(s *JobSession) bool { return !s.CreationTime.Before(*a) })
	}
	if b := f.CreatedBefore; b != nil {
		serverSide(c.has(SessionCreatedBeforeFilter), "endTimeUpperBound", b.UTC().Format(time.RFC3339Nano), func(s *JobSession) bool { return !s.CreationTime.After(*b) })
	}
	if st := f.Status; st != nil {
		param, known := v8StatusParam[*st]
		serverSide(c.has(SessionStatusFilter) && known, "status", param, func(s *JobSession) bool { return s.Status == *st })
	}
	if len(checks) > 0 {
		p.local = func(s *JobSession) bool {
			for _, ok := range checks {
				if !ok(s) {
					return false
				}
			}
			return true
		}
	}
	return p
}

// JobSessions lists sessions, newest first. Filters the upstream cannot
// apply are applied here, over the whole (server-filtered) listing, so that
// offsets and totals mean the same on every version.
func (c *Client) JobSessions(ctx context.Context, s *Scope, f SessionFilter, p PageRequest) (Page[JobSession], error) {
	if f.JobID != "" {
		if err := ValidateID(f.JobID); err != nil {
			return Page[JobSession]{}, err
		}
	}
	plan := c.planSessions(f)
	paged := c.has(PagedSessions)
	ttl := func(items []JobSession) time.Duration { return c.sessionsTTL(s, items) }
	fetch := func(p PageRequest) (Page[JobSession], error) {
		return listPage(ctx, c, s, plan.route, plan.path, plan.query, p, paged, (*wireSession).model, ttl)
	}
	if plan.local == nil {
		return fetch(p)
	}
	all, err := readAll(plan.local, fetch)
	return windowOf(all, p), err
}

// readAll reads a whole listing in pages of MaxPageLimit and keeps what
// keep keeps (nil: everything). Filters the upstream cannot apply go
// through here, so that offsets and totals mean the same on every version.
func readAll[M any](keep func(*M) bool, fetch func(PageRequest) (Page[M], error)) ([]M, error) {
	var kept []M
	set := ""
	for offset := 0; ; offset += MaxPageLimit {
		page, err := fetch(PageRequest{Offset: offset, Limit: MaxPageLimit, SetID: set})
		if err != nil {
			return nil, err
		}
		set = page.SetID
		if keep == nil {
			kept = append(kept, page.Items...)
		}
		for i := range page.Items {
			if keep != nil && keep(&page.Items[i]) {
				kept = append(kept, page.Items[i])
			}
		}
		if !page.HasMore || len(page.Items) == 0 {
			return kept, nil
		}
	}
}

// windowOf cuts p's window from a whole listing (Limit 0: all of it).
func windowOf[M any](all []M, p PageRequest) Page[M] {
	total := len(all)
	lo := min(max(p.Offset, 0), total)
	hi := min(lo+p.Limit, total)
	if p.Limit <= 0 {
		hi = total
	}
	return Page[M]{Items: all[lo:hi], Offset: p.Offset, Total: &total, HasMore: hi < total}
}

// sessionsTTL keeps a listing briefly, and for a second at most when it
// holds a running session. It also files each session under its own URL, so
// that asking for one of them next costs nothing.
func (c *Client) sessionsTTL(s *Scope, items []JobSession) time.Duration {
	ttl := c.opts.Sharing.ListTTL
	for i := range items {
		session := &items[i]
		fileItem(c, s, c.sessionURL(session.ID), session, c.sessionTTL(session))
		if !session.Status.Final() {
			ttl = c.opts.Sharing.LiveTTL
		}
	}
	return ttl
}
