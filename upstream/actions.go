package upstream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Job actions:
//
//	v3..v5  POST /Jobs/{id}/Action {"start": null} (stop, enable, disable alike); no full start, no copy jobs
//	v6+     POST /Jobs/{id}/start {"full": bool}, /stop, /enable, /disable; the same on /CopyJobs/{id}
//	        (v7+ take no body for a copy job's start)
//	v8      a start answers the new session; earlier versions answer 204
//
// An action is never sent twice (see post).

// Action is something done to a job.
type Action string

// Job actions.
const (
	ActionStart   Action = "start"
	ActionStop    Action = "stop"
	ActionEnable  Action = "enable"
	ActionDisable Action = "disable"
)

// JobRef names a backup job, or a backup copy job (v6+).
type JobRef struct {
	ID   string
	Copy bool
}

// Refusal says why the upstream refused an action, as the job's state
// tells (the upstream's own words are not for clients).
type Refusal int

// Refusals.
const (
	RefusedOther      Refusal = iota
	RefusedRunning            // start: the job is running already
	RefusedDisabled           // start: the job is disabled
	RefusedNotRunning         // stop: the job is not running
)

// ActionError is the upstream's refusal of an action (HTTP 400 or 409).
type ActionError struct {
	Action  Action
	Object  string // what was acted on, when not a job: "the organization"
	Refusal Refusal
	Err     error // the upstream's answer, for logs
}

func (e *ActionError) Error() string {
	switch e.Refusal {
	case RefusedRunning:
		return "the job is already running"
	case RefusedDisabled:
		return "the job is disabled"
	case RefusedNotRunning:
		return "the job is not running"
	}
	if e.Object != "" {
		return fmt.Sprintf("the upstream refused to %s %s", e.Action, e.Object)
	}
	return fmt.Sprintf("the upstream refused to %s the job", e.Action)
}

func (e *ActionError) Unwrap() error { return e.Err }

// Acted is what an action did: the upstream's status, and for a start the
// new session: the one v8 answers, or, from earlier versions (which answer
// 204), the first newer session of the job seen within Options.StartWait
// (nil: not known yet).
type Acted struct {
	Status  int
	Session *JobSession
}

// Act asks the upstream to act on a job. Afterwards nothing cached of jobs
// and session listings is served again, on any replica.
func (c *Client) Act(ctx context.Context, s *Scope, job JobRef, a Action, full bool) (Acted, error) {
	if err := ValidateID(job.ID); err != nil {
		return Acted{}, err
	}
	route, path, body, err := c.actionRequest(job, a, full)
	if err != nil {
		return Acted{}, err
	}
	var before string // the job's newest session, to tell the new one (v3..v7 starts)
	if a == ActionStart && !c.has(StartAnswersSession) {
		if before, err = c.newestSession(ctx, s, job.ID); err != nil {
			return Acted{}, err
		}
	}
	r, err := c.post(ctx, s, route, c.url(path, nil), body)
	defer r.held.release()
	if err != nil {
		var e *Error
		if errors.As(err, &e) && (e.Status == http.StatusBadRequest || e.Status == http.StatusConflict) {
			return Acted{}, c.refusal(ctx, s, job, a, err)
		}
		return Acted{}, err
	}
	c.InvalidateActed(ctx)
	acted := Acted{Status: r.status}
	switch {
	case a != ActionStart:
	case len(r.body) > 0: // v8
		var w wireSession
		if err := decodeJSON(r.body, &w); err != nil || w.ID == "" {
			return acted, decodeError(route, orMissing(err, "id"))
		}
		m := w.model()
		m.stamp(c.opts.Name)
		acted.Session = &m
	default:
		acted.Session, err = c.awaitNewSession(ctx, s, job.ID, before)
	}
	return acted, err
}

// actionRequest is the route, path and body of an action on this version.
func (c *Client) actionRequest(job JobRef, a Action, full bool) (route, path string, body []byte, err error) {
	id := url.PathEscape(strings.ToLower(job.ID))
	switch {
	case job.Copy && !c.has(CopyJobs):
		return "", "", nil, c.require(CopyJobs)
	case full && !c.has(ActionEndpoints):
		return "", "", nil, c.require(ActionEndpoints)
	case !c.has(ActionEndpoints):
		body, _ = json.Marshal(map[string]any{string(a): nil})
		return "POST /Jobs/{id}/Action", "/Jobs/" + id + "/Action", body, nil
	}
	collection := "/Jobs"
	if job.Copy {
		collection = "/CopyJobs"
	}
	if a == ActionStart && (!job.Copy || !c.has(CopyJobStartWithoutBody)) {
		body, _ = json.Marshal(map[string]bool{"full": full})
	}
	return "POST " + collection + "/{id}/" + string(a), collection + "/" + id + "/" + string(a), body, nil
}

// newestSession is the id of the job's newest session ("" for none), as
// the upstream has it now.
func (c *Client) newestSession(ctx context.Context, s *Scope, jobID string) (string, error) {
	p, err := c.JobSessions(ctx, s, SessionFilter{JobID: jobID}, PageRequest{Limit: 1, Fresh: true})
	if err != nil || len(p.Items) == 0 {
		return "", err
	}
	return p.Items[0].ID, nil
}

// awaitNewSession looks for a session of the job newer than before, a few
// times a second, for at most Options.StartWait.
func (c *Client) awaitNewSession(ctx context.Context, s *Scope, jobID, before string) (*JobSession, error) {
	deadline := time.Now().Add(c.opts.StartWait)
	for {
		p, err := c.JobSessions(ctx, s, SessionFilter{JobID: jobID}, PageRequest{Limit: 1, Fresh: true})
		if err != nil {
			return nil, err
		}
		if len(p.Items) > 0 && !strings.EqualFold(p.Items[0].ID, before) {
			return &p.Items[0], nil
		}
		if time.Now().Add(startPoll).After(deadline) || !sleepWithin(ctx, startPoll) {
			return nil, nil
		}
	}
}

const startPoll = 250 * time.Millisecond

// refusal tells why the upstream refused an action, from the job's state
// as it is now.
func (c *Client) refusal(ctx context.Context, s *Scope, job JobRef, a Action, cause error) error {
	e := &ActionError{Action: a, Err: cause}
	var enabled *bool
	var status *SessionStatus
	if job.Copy {
		if cj, err := c.copyJobNow(ctx, s, job.ID); err == nil {
			enabled, status = cj.IsEnabled, cj.LastStatus
		}
	} else if j, err := c.jobNow(ctx, s, job.ID); err == nil {
		enabled, status = j.IsEnabled, j.LastStatus
	}
	running := status != nil && *status == StatusRunning
	switch {
	case a == ActionStart && enabled != nil && !*enabled:
		e.Refusal = RefusedDisabled
	case a == ActionStart && running:
		e.Refusal = RefusedRunning
	case a == ActionStop && status != nil && !running:
		e.Refusal = RefusedNotRunning
	}
	return e
}

func (c *Client) jobNow(ctx context.Context, s *Scope, id string) (*Job, error) {
	req := request{route: "GET /Jobs/{id}", target: itemURL(c, jobs, id), fresh: true}
	return getItem(ctx, c, s, req, jobs.model, jobs.id, func(*Job) time.Duration { return jobs.ttl(c.opts.Sharing) })
}

func (c *Client) copyJobNow(ctx context.Context, s *Scope, id string) (*CopyJob, error) {
	req := request{route: "GET /CopyJobs/{id}", target: itemURL(c, copyJobs, id), fresh: true}
	return getItem(ctx, c, s, req, copyJobs.model, copyJobs.id, func(*CopyJob) time.Duration { return copyJobs.ttl(c.opts.Sharing) })
}

// InvalidateActed makes everything cached that actions change (jobs, copy
// jobs, session listings, and the estate: see changedByActions) stale:
// the generation in their cache keys advances, here and, through the
// shared store, on every replica before this returns.
func (c *Client) InvalidateActed(ctx context.Context) {
	next := c.jobsGeneration.Load() + 1
	if g, ok := c.opts.Shared.(generations); ok {
		if v, ok := g.Advance(ctx, c.jobsGenerationName()); ok {
			next = max(next, v)
		}
	}
	c.advanceJobsGeneration(next)
}

// FollowShared keeps the jobs' generation the same as the other replicas'
// (through the shared store, when it can), until the client is closed.
func (c *Client) FollowShared() {
	if g, ok := c.opts.Shared.(generations); ok {
		g.Watch(c.life, c.jobsGenerationName(), c.advanceJobsGeneration)
	}
}

func (c *Client) advanceJobsGeneration(to int64) {
	for {
		cur := c.jobsGeneration.Load()
		if cur >= to || c.jobsGeneration.CompareAndSwap(cur, to) {
			return
		}
	}
}

// JobsGeneration is the current generation of what job actions change; an
// answer cached under an older one is stale.
func (c *Client) JobsGeneration() int64 { return c.jobsGeneration.Load() }

// jobsGenerationName names the server's counter in the shared store.
func (c *Client) jobsGenerationName() string { return "jobs@" + c.Name() }

// generations is what a shared store offers to keep a counter the same on
// every replica: Advance increments it and returns once every replica
// watching has seen the new value; Watch calls seen with each value.
type generations interface {
	Advance(ctx context.Context, name string) (int64, bool)
	Watch(ctx context.Context, name string, seen func(int64))
}
