package upstream

import (
	"context"
	"strings"
	"time"
)

// What a dashboard sums up over sessions, and the sessions a monitor
// wants of a job, computed here so that no client adds up pages.

// SessionSummary sums up a listing of sessions.
type SessionSummary struct {
	Total, Succeeded, Warning, Failed, Running, Stopped int
	TransferredBytes                                    int64
	// Complete: every session of the listing was counted (a listing longer
	// than MaxPageLimit is counted from its newest MaxPageLimit only).
	Complete bool

	finished int           // succeeded, warning or failed
	timed    int           // finished sessions with an end time
	duration time.Duration // their durations, summed
}

// SuccessRate is the share of finished sessions (succeeded, warning or
// failed) that succeeded; nil when none finished.
func (s *SessionSummary) SuccessRate() *float64 {
	if s.finished == 0 {
		return nil
	}
	r := float64(s.Succeeded) / float64(s.finished)
	return &r
}

// AverageDuration is the mean run time of the finished sessions, in
// seconds; nil when none finished.
func (s *SessionSummary) AverageDuration() *float64 {
	if s.timed == 0 {
		return nil
	}
	d := s.duration.Seconds() / float64(s.timed)
	return &d
}

// Add counts o's sessions in s (a summary over several servers).
func (s *SessionSummary) Add(o *SessionSummary) {
	s.Total, s.Succeeded, s.Warning, s.Failed = s.Total+o.Total, s.Succeeded+o.Succeeded, s.Warning+o.Warning, s.Failed+o.Failed
	s.Running, s.Stopped, s.TransferredBytes = s.Running+o.Running, s.Stopped+o.Stopped, s.TransferredBytes+o.TransferredBytes
	s.finished, s.timed, s.duration = s.finished+o.finished, s.timed+o.timed, s.duration+o.duration
	s.Complete = s.Complete && o.Complete
}

func (s *SessionSummary) count(j *JobSession) {
	s.Total++
	switch j.Status {
	case StatusSuccess:
		s.Succeeded++
	case StatusWarning:
		s.Warning++
	case StatusFailed:
		s.Failed++
	case StatusRunning:
		s.Running++
	case StatusStopped:
		s.Stopped++
	}
	if j.Statistics != nil {
		s.TransferredBytes += j.Statistics.TransferredDataBytes
	}
	if j.Status == StatusSuccess || j.Status == StatusWarning || j.Status == StatusFailed {
		s.finished++
		if j.EndTime != nil && !j.EndTime.Before(j.CreationTime) {
			s.timed++
			s.duration += j.EndTime.Sub(j.CreationTime)
		}
	}
}

// SummarizeSessions sums up the sessions f keeps and keep keeps (nil: all
// of them): the newest MaxPageLimit of them, in the calls the listing
// itself costs (one where the server applies the filters).
func (c *Client) SummarizeSessions(ctx context.Context, s *Scope, f SessionFilter, keep func(*JobSession) bool) (*SessionSummary, error) {
	page, err := c.JobSessions(ctx, s, f, PageRequest{Limit: MaxPageLimit})
	if err != nil {
		return nil, err
	}
	sum := &SessionSummary{Complete: !page.HasMore}
	for i := range page.Items {
		if keep == nil || keep(&page.Items[i]) {
			sum.count(&page.Items[i])
		}
	}
	return sum, nil
}

// LastSessionKey asks for a job's newest session, or its newest finished
// one (a running session does not hide the last result).
type LastSessionKey struct {
	JobID    string // lower case
	Finished bool
}

// lastSessionDepth bounds how far back a job's own listing is read for a
// finished session.
const lastSessionDepth = 100

// LastSessions finds the newest (finished) session of each job keys name
// (nil where it has none). A batch of ListThreshold jobs or more is served
// from one page of the newest sessions of every job, and only the jobs not
// found in it, if it is not the whole listing, are asked one by one (their
// own listing, newest first).
func (c *Client) LastSessions(ctx context.Context, s *Scope, keys []LastSessionKey) ([]*JobSession, []error) {
	out, errs := make([]*JobSession, len(keys)), make([]error, len(keys))
	fits := func(k LastSessionKey, j *JobSession) bool {
		return j.JobID != nil && strings.EqualFold(*j.JobID, k.JobID) && (!k.Finished || j.Status.Final())
	}
	found := make([]bool, len(keys))
	if c.opts.ListThreshold > 0 && len(keys) >= c.opts.ListThreshold {
		if page, err := c.JobSessions(ctx, s, SessionFilter{}, PageRequest{Limit: MaxPageLimit}); err == nil {
			for i, k := range keys {
				found[i] = !page.HasMore // the whole listing: a job not in it has no such session
				for j := range page.Items {
					if fits(k, &page.Items[j]) {
						found[i], out[i] = true, &page.Items[j]
						break
					}
				}
			}
		}
	}
	var ask []int
	for i := range keys {
		if !found[i] {
			ask = append(ask, i)
		}
	}
	asked, askErrs := fanOut(ctx, s, len(ask), func(n int) (*JobSession, error) {
		k := keys[ask[n]]
		limit := 1
		if k.Finished {
			limit = lastSessionDepth
		}
		page, err := c.JobSessions(ctx, s, SessionFilter{JobID: k.JobID}, PageRequest{Limit: limit})
		for j := range page.Items {
			if fits(k, &page.Items[j]) {
				return &page.Items[j], err
			}
		}
		return nil, err
	})
	for n, i := range ask {
		out[i], errs[i] = asked[n], askErrs[n]
	}
	return out, errs
}
