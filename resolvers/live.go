package resolvers

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/vb365-graphql/vb365-graphql/graph/model"
	"github.com/vb365-graphql/vb365-graphql/live"
	"github.com/vb365-graphql/vb365-graphql/upstream"
)

// Estate-wide subscriptions: every server's hub tells of what starts and
// changes; each subscriber keeps what its filters keep.

// sessionFilter is what jobSessionChanged and jobSessionFinished keep.
type sessionFilter struct {
	jobID, organizationID *string
	status                []upstream.SessionStatus
	finished              bool // only sessions that have ended
}

// keeps reports whether s passes the filter; the organization is its job's.
func (f sessionFilter) keeps(ctx context.Context, s *model.JobSession) bool {
	if f.finished && !s.Status.Final() || len(f.status) > 0 && !slices.Contains(f.status, s.Status) {
		return false
	}
	if f.jobID != nil && (s.JobID == nil || !strings.EqualFold(*s.JobID, *f.jobID)) {
		return false
	}
	if f.organizationID != nil {
		job, err := optional(ctx, s.JobID, part(ctx, s.ServerName).Job)
		if err != nil || job == nil || job.OrganizationID == nil || !strings.EqualFold(*job.OrganizationID, *f.organizationID) {
			return false
		}
	}
	return true
}

func (r *subscriptionResolver) jobSessionsChanging(ctx context.Context, f sessionFilter, servers []string) (<-chan *model.JobSession, error) {
	return estateChanges(ctx, r.Resolver, servers, func(s *Server) *live.Hub[*model.JobSession] { return s.Live }, f.keeps)
}

func (r *subscriptionResolver) restoreSessionsChanging(ctx context.Context, organizationID *string, servers []string) (<-chan *upstream.RestoreSession, error) {
	return estateChanges(ctx, r.Resolver, servers, func(s *Server) *live.Hub[*upstream.RestoreSession] { return s.RestoreLive },
		func(ctx context.Context, s *upstream.RestoreSession) bool {
			if organizationID == nil {
				return true
			}
			// A restore session names its organization, without the id.
			org, err := part(ctx, s.ServerName).Organization(ctx, *organizationID)
			return err == nil && org != nil && s.OrganizationName != nil && *s.OrganizationName == org.Name
		})
}

// estateChanges merges what the hubs of the chosen servers tell of, kept
// by keep, into one stream that ends with ctx. Like each hub's, it holds at
// most a few dozen changes for a subscriber that falls behind, dropping the
// oldest.
func estateChanges[T any](ctx context.Context, r *Resolver, servers []string, hub func(*Server) *live.Hub[T], keep func(context.Context, T) bool) (<-chan T, error) {
	names, err := selected(ctx, servers)
	if err != nil {
		return nil, err
	}
	credential := operation(ctx).Credential()
	var ins []<-chan T
	for _, name := range names {
		in, err := hub(r.server(name)).Listen(ctx, credential)
		if err != nil {
			return nil, err // those already listening end with ctx
		}
		ins = append(ins, in)
	}
	out := make(chan T, 64)
	var mu sync.Mutex // one sender at a time, so that dropping the oldest is safe
	var wg sync.WaitGroup
	for _, in := range ins {
		wg.Go(func() {
			for s := range in {
				if !keep(ctx, s) {
					continue
				}
				mu.Lock()
				live.Offer(out, s)
				mu.Unlock()
			}
		})
	}
	go func() {
		wg.Wait()
		close(out)
	}()
	return out, nil
}
