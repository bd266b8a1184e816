package upstream

import (
	"context"
	"net/url"
	"strconv"
	"time"
)

// The server's feed of changes (v8 GET /Events): a long poll that answers
// what changed since a token, and the token to ask from next. It is read
// as it is now, never from a cache.

// Event is one change the feed reports. What it names depends on its
// Type: a job session (with its job and status), a job, a restore session,
// a protected object...
type Event struct {
	Type           string // JobSessionUpdate, JobUpdate, RestoreSessionUpdate, ...
	ID             string
	JobID          string // a job session's
	OrganizationID string
	Status         string // a job session's
	ETag           int64
}

// Events is a page of the feed.
type Events struct {
	Items []Event
	Next  string // the token to ask from next
}

type wireEvents struct {
	NextChangeToken string
	Results         []struct {
		EventType, ID, JobID, OrganizationID, Status string
		ETag                                         int64
	}
}

// Events reads what changed since from ("": from now on, the server's
// "latest"), waiting up to
// wait for something to happen (bounded by the call's timeout).
func (c *Client) Events(ctx context.Context, s *Scope, from string, wait time.Duration) (Events, error) {
	if err := c.require(EventFeed); err != nil {
		return Events{}, err
	}
	// The server holds the call open while nothing happens: it must answer
	// well within the call's own timeout.
	wait = min(wait, c.opts.Timeout-c.opts.Timeout/4)
	if from == "" {
		from = "latest"
	}
	q := url.Values{"from": {from}, "limit": {"1000"}, "timeoutSeconds": {strconv.Itoa(int(wait / time.Second))}}
	const route = "GET /Events"
	r, err := c.get(ctx, s, route, c.url("/Events", q), "")
	if err != nil {
		return Events{}, err
	}
	defer r.held.release()
	var w wireEvents
	if err := decodeJSON(r.body, &w); err != nil || w.NextChangeToken == "" {
		return Events{}, decodeError(route, orMissing(err, "nextChangeToken"))
	}
	out := Events{Next: w.NextChangeToken, Items: make([]Event, len(w.Results))}
	for i, e := range w.Results {
		out.Items[i] = Event{Type: e.EventType, ID: e.ID, JobID: e.JobID, OrganizationID: e.OrganizationID, Status: e.Status, ETag: e.ETag}
	}
	return out, nil
}

// Changed drops what the cache holds of a job session or a restore session
// the feed says changed, so that the next read asks the server.
func (c *Client) Changed(e Event) {
	var target string
	switch e.Type {
	case "JobSessionUpdate":
		target = c.sessionURL(e.ID)
	case "RestoreSessionUpdate":
		target = c.restoreSessionURL(e.ID)
	default:
		return
	}
	c.cache.Delete(c.cacheKey(c.NewScope(""), target))
}

// recentLimit is how many of the newest sessions one live listing reads:
// every running one, in all but the largest estates.
const recentLimit = 100

// RecentJobSessions reads the newest job sessions afresh, in one call: what
// the live hubs list once an interval to find what started or changed.
func (c *Client) RecentJobSessions(ctx context.Context, s *Scope) ([]JobSession, error) {
	page, err := c.JobSessions(ctx, s, SessionFilter{}, PageRequest{Limit: recentLimit, Fresh: true})
	return page.Items, err
}

// RecentRestoreSessions reads the newest restore sessions afresh, in one call.
func (c *Client) RecentRestoreSessions(ctx context.Context, s *Scope) ([]RestoreSession, error) {
	page, err := c.RestoreSessions(ctx, s, RestoreSessionFilter{}, PageRequest{Limit: recentLimit, Fresh: true})
	return page.Items, err
}
