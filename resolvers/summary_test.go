package resolvers_test

import (
	"encoding/json"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
)

type summary struct {
	Total, Succeeded, Warning, Failed, Running, Stopped int
	SuccessRate, AverageDuration                        *float64
	TransferredBytes                                    int64
	Complete                                            bool
}

const summaryFields = `summary { total succeeded warning failed running stopped successRate averageDuration transferredBytes complete }`

// listedSummary sums up, as a client would, every page of the list args
// asks for.
func listedSummary(t *testing.T, g *testenv.Gateway, args string) summary {
	t.Helper()
	var s summary
	var finished, timed int
	var seconds float64
	after := ""
	for {
		r := g.Do(t, `query($after: String) { jobSessions(first: 1000, after: $after`+args+`) {
			nodes { status creationTime endTime statistics { transferredDataBytes } } pageInfo { hasNextPage endCursor } } }`, map[string]any{"after": after})
		var page struct {
			JobSessions struct {
				Nodes []struct {
					Status       string
					CreationTime time.Time
					EndTime      *time.Time
					Statistics   *struct{ TransferredDataBytes int64 }
				}
				PageInfo struct {
					HasNextPage bool
					EndCursor   string
				}
			}
		}
		if err := json.Unmarshal(r.Data, &page); err != nil || len(r.Errors) > 0 {
			t.Fatalf("%v %.500s", err, r.Raw)
		}
		for _, n := range page.JobSessions.Nodes {
			s.Total++
			switch n.Status {
			case "SUCCESS":
				s.Succeeded++
			case "WARNING":
				s.Warning++
			case "FAILED":
				s.Failed++
			case "RUNNING":
				s.Running++
			case "STOPPED":
				s.Stopped++
			}
			if n.Statistics != nil {
				s.TransferredBytes += n.Statistics.TransferredDataBytes
			}
			if n.Status == "SUCCESS" || n.Status == "WARNING" || n.Status == "FAILED" {
				finished++
				if n.EndTime != nil {
					timed++
					seconds += n.EndTime.Sub(n.CreationTime).Seconds()
				}
			}
		}
		if !page.JobSessions.PageInfo.HasNextPage {
			break
		}
		after = page.JobSessions.PageInfo.EndCursor
	}
	if finished > 0 {
		rate := float64(s.Succeeded) / float64(finished)
		s.SuccessRate = &rate
	}
	if timed > 0 {
		avg := seconds / float64(timed)
		s.AverageDuration = &avg
	}
	s.Complete = true
	return s
}

func sameSummary(a, b summary) bool {
	near := func(x, y *float64) bool {
		return x == nil && y == nil || x != nil && y != nil && math.Abs(*x-*y) < 1e-6
	}
	return near(a.SuccessRate, b.SuccessRate) && near(a.AverageDuration, b.AverageDuration) &&
		fmt.Sprint(a.Total, a.Succeeded, a.Warning, a.Failed, a.Running, a.Stopped, a.TransferredBytes, a.Complete) ==
			fmt.Sprint(b.Total, b.Succeeded, b.Warning, b.Failed, b.Running, b.Stopped, b.TransferredBytes, b.Complete)
}

// TestSessionSummaryIsTheListSummedUp: a connection's summary is what a
// client gets by summing every page of the same filtered list, on every
// version, in the calls of one listing; asked alone it reads no page.
func TestSessionSummaryIsTheListSummedUp(t *testing.T) {
	t.Parallel()
	for _, v := range []int{3, 6, 7, 8} {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			t.Parallel()
			g := testenv.Start(t, testenv.Options{Version: v, Unshared: true})
			job := g.Sim.JobIDs()[0]
			for _, args := range []string{"", `, createdAfter: "2026-10-25T00:00:00Z"`, `, status: FAILED`, fmt.Sprintf(`, jobId: %q`, job)} {
				want := listedSummary(t, g, args)
				r, calls := g.Calls(t, `{ jobSessions(first: 5`+args+`) { `+summaryFields+` } }`, nil)
				var got struct{ JobSessions struct{ Summary summary } }
				if err := json.Unmarshal(r.Data, &got); err != nil || len(r.Errors) > 0 {
					t.Fatalf("%v %s", err, r.Raw)
				}
				if !sameSummary(got.JobSessions.Summary, want) {
					t.Errorf("jobSessions(%s): summary %+v, the pages add up to %+v", args, got.JobSessions.Summary, want)
				}
				if want.Total == 0 {
					t.Errorf("jobSessions(%s) is empty: the test proves nothing", args)
				}
				if n := testenv.Total(calls); n != 1 {
					t.Errorf("jobSessions(%s) { summary }: %d calls %v, want the one listing", args, n, calls)
				}
			}
		})
	}
}

// TestLastFinishedSessionIsNotHiddenByARunningOne: for a job whose newest
// session runs, lastSession is that one and lastFinishedSession the one
// before; for every job of the estate, in a few calls, not one per job.
func TestLastFinishedSessionIsNotHiddenByARunningOne(t *testing.T) {
	t.Parallel()
	for _, v := range []int{3, 6, 8} {
		g := testenv.Start(t, testenv.Options{Version: v, Unshared: true})
		live := g.Sim.LiveSessionIDs()[0]
		r := g.Do(t, `query($id: ID!) { jobSession(id: $id) { status job { id
			lastSession { id status } lastFinishedSession { id status }
			sessions(first: 5) { nodes { id status } } } } }`, map[string]any{"id": live})
		var d struct {
			JobSession struct {
				Status string
				Job    struct {
					ID                               string
					LastSession, LastFinishedSession *struct{ ID, Status string }
					Sessions                         struct{ Nodes []struct{ ID, Status string } }
				}
			}
		}
		if err := json.Unmarshal(r.Data, &d); err != nil || len(r.Errors) > 0 {
			t.Fatalf("v%d: %v %s", v, err, r.Raw)
		}
		job := d.JobSession.Job
		var firstFinished string
		for _, s := range job.Sessions.Nodes {
			if s.Status != "RUNNING" && s.Status != "QUEUED" {
				firstFinished = s.ID
				break
			}
		}
		if d.JobSession.Status != "RUNNING" || job.LastSession == nil || job.LastSession.ID != live {
			t.Errorf("v%d: lastSession %+v, want the running %s", v, job.LastSession, live)
		}
		if firstFinished == "" || job.LastFinishedSession == nil || job.LastFinishedSession.ID != firstFinished {
			t.Errorf("v%d: lastFinishedSession %+v, want %s", v, job.LastFinishedSession, firstFinished)
		}

		r, calls := g.Calls(t, `{ jobs(first: 100) { nodes { lastSession { status } lastFinishedSession { status endTime } } } }`, nil)
		if len(r.Errors) > 0 {
			t.Fatalf("v%d: %s", v, r.Raw)
		}
		jobs := len(g.Sim.JobIDs())
		t.Logf("v%d: the last and last finished session of %d jobs in %d calls: %v", v, jobs, testenv.Total(calls), calls)
		if n := testenv.Total(calls); n > 3 {
			t.Errorf("v%d: %d jobs' last sessions cost %d calls %v", v, jobs, n, calls)
		}
	}
}

// TestOrganizationSummaryIsItsJobsSummedUp: an organization's session
// summary adds up its jobs' summaries.
func TestOrganizationSummaryIsItsJobsSummedUp(t *testing.T) {
	t.Parallel()
	for _, v := range []int{3, 8} {
		g := testenv.Start(t, testenv.Options{Version: v, Unshared: true})
		r, calls := g.Calls(t, `query($org: ID!) { organization(id: $org) { jobSessionSummary(createdAfter: "2026-10-20T00:00:00Z") { total succeeded warning failed running stopped transferredBytes complete } } }`,
			map[string]any{"org": g.Sim.OrganizationIDs()[0]})
		var got struct {
			Organization struct{ JobSessionSummary summary }
		}
		if err := json.Unmarshal(r.Data, &got); err != nil || len(r.Errors) > 0 {
			t.Fatalf("v%d: %v %s", v, err, r.Raw)
		}
		t.Logf("v%d: an organization's summary in %d calls: %v", v, testenv.Total(calls), calls)
		r = g.Do(t, `query($org: ID!) { organization(id: $org) { jobs(first: 10) { totalCount nodes { sessions(createdAfter: "2026-10-20T00:00:00Z") { summary { total succeeded warning failed running stopped transferredBytes complete } } } } } }`,
			map[string]any{"org": g.Sim.OrganizationIDs()[0]})
		var jobs struct {
			Organization struct {
				Jobs struct {
					Nodes []struct{ Sessions struct{ Summary summary } }
				}
			}
		}
		if err := json.Unmarshal(r.Data, &jobs); err != nil || len(r.Errors) > 0 {
			t.Fatalf("v%d: %v %s", v, err, r.Raw)
		}
		want := summary{Complete: true}
		for _, j := range jobs.Organization.Jobs.Nodes {
			s := j.Sessions.Summary
			want.Total, want.Succeeded, want.Warning, want.Failed = want.Total+s.Total, want.Succeeded+s.Succeeded, want.Warning+s.Warning, want.Failed+s.Failed
			want.Running, want.Stopped, want.TransferredBytes = want.Running+s.Running, want.Stopped+s.Stopped, want.TransferredBytes+s.TransferredBytes
		}
		if want.Total == 0 || !sameSummary(got.Organization.JobSessionSummary, want) {
			t.Errorf("v%d: the organization's summary %+v, its %d jobs' add up to %+v", v, got.Organization.JobSessionSummary, len(jobs.Organization.Jobs.Nodes), want)
		}
	}
}
