package upstream

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// What was backed up and what was restored. Which version serves what:
//
//	/JobSessions/{id}/ProcessedObjects      v7+, paged, no filter: status is filtered here
//	/RestorePoints                          v6 a bare array (backupTime = "after"), v7+ paged with from/to/isCopy
//	/RestoreSessions                        v3, v4 a bare array; paged from v5; start-time filters from v6
//	/RestoreSessions/{id}/Events            paged on every version
//	/RestoreSessions/{id}/Statistics        v8

// ProcessedObjectFilter narrows a session's processed objects.
type ProcessedObjectFilter struct {
	Status *ObjectStatus
}

// ProcessedObjects lists the objects a session processed (v7+), in the
// upstream's order. The upstream filters nothing: a status filter reads the
// whole list and applies here. Kept as long as the session itself: a
// finished session's objects never change.
func (c *Client) ProcessedObjects(ctx context.Context, s *Scope, sessionID string, f ProcessedObjectFilter, p PageRequest) (Page[ProcessedObject], error) {
	if err := c.require(ProcessedObjects); err != nil {
		return Page[ProcessedObject]{}, err
	}
	if err := ValidateID(sessionID); err != nil {
		return Page[ProcessedObject]{}, err
	}
	path := "/JobSessions/" + url.PathEscape(strings.ToLower(sessionID)) + "/ProcessedObjects"
	model := func(w *wireProcessedObject) ProcessedObject { return w.model(sessionID) }
	fetch := func(p PageRequest) (Page[ProcessedObject], error) {
		return listPage(ctx, c, s, "GET /JobSessions/{id}/ProcessedObjects", path, nil, p, true, model,
			func([]ProcessedObject) time.Duration { return c.sessionPartTTL(s, sessionID) })
	}
	if f.Status == nil {
		return fetch(p)
	}
	all, err := readAll(func(o *ProcessedObject) bool { return o.Status == *f.Status }, fetch)
	return windowOf(all, p), err
}

// sessionPartTTL is how long a part of a session (its log, its processed
// objects) may be kept: as long as the session when the cache knows it has
// finished, else briefly.
func (c *Client) sessionPartTTL(s *Scope, sessionID string) time.Duration {
	if e := c.cache.Get(c.cacheKey(s, c.sessionURL(sessionID))); e != nil && e.Value.(*JobSession).Status.Final() {
		return c.opts.Sharing.FinalTTL
	}
	return c.opts.Sharing.LiveTTL
}

// RestorePointFilter narrows the restore points.
type RestorePointFilter struct {
	JobID, OrganizationID, RepositoryID string
	Object                              *ObjectRef // only points that hold this user, group, site or team (v8; its organization is not read)
	After, Before                       *time.Time // backup time
	Copy, LongTermCopy                  *bool
}

// objectParam is the v8 restore point filter that names an object of a
// type.
var objectParam = map[ObjectType]string{ObjectUser: "userId", ObjectGroup: "groupId", ObjectSite: "siteId", ObjectTeam: "teamId"}

// isCopy: v6 has no isCopy; its isLongTermCopy meant a copy in object storage.
func (p *RestorePoint) isCopy() bool {
	if p.IsCopy != nil {
		return *p.IsCopy
	}
	return p.IsLongTermCopy
}

// RestorePoints lists restore points (v6+), newest backup first. v6 answers
// every point in one array, filtered by id and "after" only: the rest is
// filtered, ordered and paged here.
func (c *Client) RestorePoints(ctx context.Context, s *Scope, f RestorePointFilter, p PageRequest) (Page[RestorePoint], error) {
	if err := c.require(RestorePoints); err != nil {
		return Page[RestorePoint]{}, err
	}
	q := url.Values{}
	for param, id := range map[string]string{"jobId": f.JobID, "organizationId": f.OrganizationID, "repositoryId": f.RepositoryID} {
		if id == "" {
			continue
		}
		if err := ValidateID(id); err != nil {
			return Page[RestorePoint]{}, err
		}
		q.Set(param, id)
	}
	if f.Object != nil {
		if err := c.require(RestorePointsByObject); err != nil {
			return Page[RestorePoint]{}, err
		}
		if err := ValidateID(f.Object.ID); err != nil {
			return Page[RestorePoint]{}, err
		}
		q.Set(objectParam[f.Object.Type], f.Object.ID)
	}
	if f.LongTermCopy != nil {
		q.Set("isLongTermCopy", strconv.FormatBool(*f.LongTermCopy))
	}
	ttl := func([]RestorePoint) time.Duration { return c.opts.Sharing.ListTTL }
	fetch := func(q url.Values, p PageRequest) (Page[RestorePoint], error) {
		return listPage(ctx, c, s, "GET /RestorePoints", "/RestorePoints", q, p, c.has(PagedRestorePoints), (*wireRestorePoint).model, ttl)
	}
	if c.has(PagedRestorePoints) {
		setTime(q, "from", f.After)
		setTime(q, "to", f.Before)
		if f.Copy != nil {
			q.Set("isCopy", strconv.FormatBool(*f.Copy))
		}
		q.Set("orderAsc", "false")
		return fetch(q, p)
	}
	setTime(q, "backupTime", f.After) // v6: "created after"
	all, err := readAll(func(rp *RestorePoint) bool {
		return (f.Before == nil || !rp.BackupTime.After(*f.Before)) && (f.Copy == nil || rp.isCopy() == *f.Copy)
	}, func(p PageRequest) (Page[RestorePoint], error) { return fetch(q, p) })
	slices.SortStableFunc(all, func(a, b RestorePoint) int { return b.BackupTime.Compare(a.BackupTime) })
	return windowOf(all, p), err
}

func setTime(q url.Values, param string, t *time.Time) {
	if t != nil {
		q.Set(param, t.UTC().Format(time.RFC3339Nano))
	}
}

// RestoreSessionFilter narrows the restore sessions.
type RestoreSessionFilter struct {
	StartedAfter, StartedBefore *time.Time
}

// RestoreSessions lists restore sessions, newest first. The start-time
// filters go to the upstream from v6 and apply here before.
func (c *Client) RestoreSessions(ctx context.Context, s *Scope, f RestoreSessionFilter, p PageRequest) (Page[RestoreSession], error) {
	q := url.Values{}
	fetch := func(p PageRequest) (Page[RestoreSession], error) {
		return listPage(ctx, c, s, "GET /RestoreSessions", "/RestoreSessions", q, p, c.has(PagedRestoreSessions), (*wireRestoreSession).model,
			func(items []RestoreSession) time.Duration { return c.restoreSessionsTTL(s, items) })
	}
	if c.has(RestoreSessionTimeFilters) || f.StartedAfter == nil && f.StartedBefore == nil {
		setTime(q, "startTimeFrom", f.StartedAfter)
		setTime(q, "startTimeTo", f.StartedBefore)
		return fetch(p)
	}
	all, err := readAll(func(r *RestoreSession) bool {
		return (f.StartedAfter == nil || !r.CreationTime.Before(*f.StartedAfter)) && (f.StartedBefore == nil || !r.CreationTime.After(*f.StartedBefore))
	}, fetch)
	return windowOf(all, p), err
}

// restoreSessionsTTL keeps a listing briefly, for a second at most when it
// holds a working session, and files each session under its own URL.
func (c *Client) restoreSessionsTTL(s *Scope, items []RestoreSession) time.Duration {
	ttl := c.opts.Sharing.ListTTL
	for i := range items {
		r := &items[i]
		fileItem(c, s, c.restoreSessionURL(r.ID), r, c.restoreSessionTTL(r))
		if !r.Final() {
			ttl = c.opts.Sharing.LiveTTL
		}
	}
	return ttl
}

func (c *Client) restoreSessionTTL(r *RestoreSession) time.Duration {
	if r.Final() {
		return c.opts.Sharing.FinalTTL
	}
	return c.opts.Sharing.LiveTTL
}

func (c *Client) restoreSessionURL(id string) string {
	return c.url("/RestoreSessions/"+url.PathEscape(strings.ToLower(id)), nil)
}

// RestoreSession fetches one restore session. A stopped one is kept as long
// as a finished job session, a working one briefly.
func (c *Client) RestoreSession(ctx context.Context, s *Scope, id string) (*RestoreSession, error) {
	return c.restoreSession(ctx, s, id, false)
}

// PollRestoreSession fetches a restore session as the upstream has it now
// (subscriptions poll this way).
func (c *Client) PollRestoreSession(ctx context.Context, s *Scope, id string) (*RestoreSession, error) {
	return c.restoreSession(ctx, s, id, true)
}

func (c *Client) restoreSession(ctx context.Context, s *Scope, id string, fresh bool) (*RestoreSession, error) {
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	req := request{route: "GET /RestoreSessions/{id}", target: c.restoreSessionURL(id), fresh: fresh}
	return getItem(ctx, c, s, req, (*wireRestoreSession).model, func(r *RestoreSession) string { return r.ID }, c.restoreSessionTTL)
}

// RestorePointsByID fetches restore points (v6+) concurrently. Results
// align with ids.
func (c *Client) RestorePointsByID(ctx context.Context, s *Scope, ids []string) ([]*RestorePoint, []error) {
	return fanOut(ctx, s, len(ids), func(i int) (*RestorePoint, error) {
		if err := c.require(RestorePoints); err != nil {
			return nil, err
		}
		if err := ValidateID(ids[i]); err != nil {
			return nil, err
		}
		req := request{route: "GET /RestorePoints/{id}", target: c.url("/RestorePoints/"+url.PathEscape(strings.ToLower(ids[i])), nil)}
		return getItem(ctx, c, s, req, (*wireRestorePoint).model, func(p *RestorePoint) string { return p.ID },
			func(*RestorePoint) time.Duration { return c.opts.Sharing.ListTTL })
	})
}

// RestoreSessionsByID fetches restore sessions concurrently. Results align
// with ids.
func (c *Client) RestoreSessionsByID(ctx context.Context, s *Scope, ids []string) ([]*RestoreSession, []error) {
	return fanOut(ctx, s, len(ids), func(i int) (*RestoreSession, error) { return c.RestoreSession(ctx, s, ids[i]) })
}

// restorePartTTL is restore sessions' sessionPartTTL.
func (c *Client) restorePartTTL(s *Scope, id string) time.Duration {
	if e := c.cache.Get(c.cacheKey(s, c.restoreSessionURL(id))); e != nil && e.Value.(*RestoreSession).Final() {
		return c.opts.Sharing.FinalTTL
	}
	return c.opts.Sharing.LiveTTL
}

// RestoreEvents lists a restore session's events in order.
func (c *Client) RestoreEvents(ctx context.Context, s *Scope, sessionID string, p PageRequest) (Page[RestoreEvent], error) {
	if err := ValidateID(sessionID); err != nil {
		return Page[RestoreEvent]{}, err
	}
	path := "/RestoreSessions/" + url.PathEscape(strings.ToLower(sessionID)) + "/Events"
	return listPage(ctx, c, s, "GET /RestoreSessions/{id}/Events", path, nil, p, true, (*wireRestoreEvent).model,
		func([]RestoreEvent) time.Duration { return c.restorePartTTL(s, sessionID) })
}

// EventsRequest names one page of one restore session's events.
type EventsRequest struct {
	SessionID string
	Page      PageRequest
}

// RestoreEventPages fetches several pages of events concurrently. Results
// align with reqs.
func (c *Client) RestoreEventPages(ctx context.Context, s *Scope, reqs []EventsRequest) ([]Page[RestoreEvent], []error) {
	return fanOut(ctx, s, len(reqs), func(i int) (Page[RestoreEvent], error) {
		return c.RestoreEvents(ctx, s, reqs[i].SessionID, reqs[i].Page)
	})
}

// RestoreStatistics sums up a restore session (v8).
func (c *Client) RestoreStatistics(ctx context.Context, s *Scope, sessionID string) (*RestoreStatistics, error) {
	if err := c.require(RestoreSessionStatistics); err != nil {
		return nil, err
	}
	if err := ValidateID(sessionID); err != nil {
		return nil, err
	}
	path := "/RestoreSessions/" + url.PathEscape(strings.ToLower(sessionID)) + "/Statistics"
	req := request{route: "GET /RestoreSessions/{id}/Statistics", target: c.url(path, nil)}
	return fetch(ctx, c, s, req, func(body []byte) (*RestoreStatistics, time.Duration, error) {
		var w wireRestoreStatistics
		if err := decodeJSON(body, &w); err != nil {
			return nil, 0, err
		}
		return w.model(), c.restorePartTTL(s, sessionID), nil
	})
}

// ProcessedRequest names one page of one session's processed objects.
type ProcessedRequest struct {
	SessionID string
	Filter    ProcessedObjectFilter
	Page      PageRequest
}

// ProcessedObjectPages fetches several pages of processed objects
// concurrently. Results align with reqs.
func (c *Client) ProcessedObjectPages(ctx context.Context, s *Scope, reqs []ProcessedRequest) ([]Page[ProcessedObject], []error) {
	return fanOut(ctx, s, len(reqs), func(i int) (Page[ProcessedObject], error) {
		return c.ProcessedObjects(ctx, s, reqs[i].SessionID, reqs[i].Filter, reqs[i].Page)
	})
}

// RestorePointsRequest names one page of filtered restore points.
type RestorePointsRequest struct {
	Filter RestorePointFilter
	Page   PageRequest
}

// RestorePointPages fetches several pages of restore points concurrently
// (the points of several jobs, say). Results align with reqs.
func (c *Client) RestorePointPages(ctx context.Context, s *Scope, reqs []RestorePointsRequest) ([]Page[RestorePoint], []error) {
	return fanOut(ctx, s, len(reqs), func(i int) (Page[RestorePoint], error) {
		return c.RestorePoints(ctx, s, reqs[i].Filter, reqs[i].Page)
	})
}

// RestoreStatisticsOf fetches several restore sessions' statistics
// concurrently (v8). Results align with ids.
func (c *Client) RestoreStatisticsOf(ctx context.Context, s *Scope, ids []string) ([]*RestoreStatistics, []error) {
	return fanOut(ctx, s, len(ids), func(i int) (*RestoreStatistics, error) { return c.RestoreStatistics(ctx, s, ids[i]) })
}
