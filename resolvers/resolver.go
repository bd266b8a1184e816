// Package resolvers holds the GraphQL resolvers: thin functions that fetch
// through the operation's typed accessors (fetch.go), which ask its loaders
// and scope (operation.go); Relay pagination over the upstream's offset
// paging (pagination.go), merged across servers (servers.go). Nothing here
// knows HTTP.
package resolvers

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/vb365-graphql/vb365-graphql/exports"
	"github.com/vb365-graphql/vb365-graphql/graph/model"
	"github.com/vb365-graphql/vb365-graphql/live"
	"github.com/vb365-graphql/vb365-graphql/upstream"
)

// Resolver is the root resolver: the dependencies every resolver shares.
type Resolver struct {
	Servers     []Server // in the configured order; the first is the default
	Idempotency Idempotency
	Actions     ActionObserver
	Audit       *slog.Logger // one line per action: who, what, how it ended
	// ProxyCredentials are the Windows backup proxies' administrators', by
	// "server/host" or "host" (lower case): setProxyMaintenance sends them.
	ProxyCredentials map[string]upstream.Credentials
	// RestoreOwners remembers who opened each restore session.
	RestoreOwners RestoreOwners
	// IdleRestoreSessions stops the sessions left unused (nil: none).
	IdleRestoreSessions *IdleRestoreSessions
	// RestoreAccounts are the Microsoft 365 accounts restoreItems signs in
	// with, by the names clients give.
	RestoreAccounts map[string]upstream.Credentials
	// Exports are the files exportItems makes.
	Exports *exports.Exports
}

// RestoreOwners remembers who (a caller's ID) opened each restore session.
type RestoreOwners interface {
	Set(ctx context.Context, session, owner string)
	Get(ctx context.Context, session string) (owner string, ok bool)
}

// Server is one VB365 server the graph covers.
type Server struct {
	API         *upstream.Client
	Live        *live.Hub[*model.JobSession]
	RestoreLive *live.Hub[*upstream.RestoreSession]
}

// NewServer covers api's server, asking for what subscriptions follow every
// interval; replicas that share cluster (nil: none) ask once between them.
func NewServer(api *upstream.Client, interval time.Duration, cluster live.Cluster, log *slog.Logger) Server {
	jobSessions := live.Sent(live.JobSessions(api),
		func(s *upstream.JobSession) *model.JobSession { return (*model.JobSession)(s) },
		func(s *model.JobSession) *upstream.JobSession { return (*upstream.JobSession)(s) })
	srv := Server{API: api, Live: live.New(api.NewScope, jobSessions, interval, log),
		RestoreLive: live.New(api.NewScope, live.RestoreSessions(api), interval, log)}
	if api.ServiceAccount() { // the feed is read with the gateway's own account (v8; others end it at once)
		feed := live.NewFeed(api, 30*time.Second, interval, api.Changed, log)
		srv.Live.UseFeed(feed, "JobSessionUpdate")
		srv.RestoreLive.UseFeed(feed, "RestoreSessionUpdate")
	}
	if cluster != nil {
		srv.Live.UseCluster(cluster, api.Name()+":job-sessions")
		srv.RestoreLive.UseCluster(cluster, api.Name()+":restore-sessions")
	}
	return srv
}

func (r *Resolver) server(name string) *Server {
	for i := range r.Servers {
		if r.Servers[i].API.Name() == name {
			return &r.Servers[i]
		}
	}
	return nil
}

// liveServer is the server a subscription follows id on: the only one
// (the watch itself finds whether it has id), else the one that has it.
func liveServer[V any](ctx context.Context, r *Resolver, id string, server *string, get func(so *serverOp, ctx context.Context, id string) (V, error)) (*Server, error) {
	if len(r.Servers) == 1 {
		if _, err := named(ctx, server); err != nil {
			return nil, err
		}
		return &r.Servers[0], upstream.ValidateID(id)
	}
	name, err := lookUpAnywhere(ctx, id, server, false, func(so *serverOp, ctx context.Context, id string) (string, error) {
		_, err := get(so, ctx, id)
		return so.name, err
	})
	if err != nil {
		return nil, err
	}
	return r.server(name), nil
}

// sessions lists sessions, newest first over several servers, and primes
// each server's session loader with them.
func sessions(ctx context.Context, w window, servers []string, f upstream.SessionFilter) (*model.JobSessionConnection, error) {
	jobsWanted := nodesSelect(ctx, "job", "organization", "repository", "proxy")
	names, err := selected(ctx, servers)
	if err != nil {
		return nil, err
	}
	if selectsOnly(ctx, "summary") { // no page to read
		return &model.JobSessionConnection{Connection: connection(upstream.Page[model.JobSession]{}), Filter: f, Servers: names}, nil
	}
	page, err := across(ctx, w, servers, func(ctx context.Context, so *serverOp, p upstream.PageRequest) (upstream.Page[model.JobSession], error) {
		page, err := so.JobSessions(ctx, f, p)
		for i := range page.Items {
			so.primeSession(ctx, &page.Items[i])
		}
		if jobsWanted {
			so.prefetchJobs(ctx, page.Items)
		}
		remember(ctx, so, page.Items, func(s *model.JobSession) string { return s.ID })
		return page, err
	}, newestFirst)
	if err != nil {
		return nil, err
	}
	return &model.JobSessionConnection{Connection: page, Filter: f, Servers: names}, nil
}

func newestFirst(a, b *model.JobSession) int { return b.CreationTime.Compare(a.CreationTime) }

// sessionSummary sums up the sessions f keeps on each server named, and
// keep on each (nil: all of them).
func sessionSummary(ctx context.Context, servers []string, f upstream.SessionFilter, keep func(context.Context, *serverOp) (func(*upstream.JobSession) bool, error)) (*upstream.SessionSummary, error) {
	total := &upstream.SessionSummary{Complete: true}
	for _, name := range servers {
		so := part(ctx, name)
		var k func(*upstream.JobSession) bool
		if keep != nil {
			var err error
			if k, err = keep(ctx, so); err != nil {
				return nil, err
			}
		}
		sum, err := so.SessionSummary(ctx, f, k)
		if err != nil {
			return nil, err
		}
		total.Add(sum)
	}
	return total, nil
}

// organizationSessions keeps the sessions of an organization's jobs.
func organizationSessions(org *model.Organization) func(context.Context, *serverOp) (func(*upstream.JobSession) bool, error) {
	return func(ctx context.Context, so *serverOp) (func(*upstream.JobSession) bool, error) {
		jobs, err := so.Jobs(ctx)
		if err != nil {
			return nil, err
		}
		ids := map[string]bool{}
		for i := range jobs {
			if sameID(jobs[i].OrganizationID, org.ID) {
				ids[strings.ToLower(jobs[i].ID)] = true
			}
		}
		return func(s *upstream.JobSession) bool { return s.JobID != nil && ids[strings.ToLower(*s.JobID)] }, nil
	}
}
