// Package resolvers holds the GraphQL resolvers: thin functions that ask the
// operation's loaders or the upstream client for data (operation.go), and
// Relay pagination over the upstream's offset paging (pagination.go).
// Nothing here knows HTTP.
package resolvers

import (
	"context"

	"github.com/vb365-graphql/vb365-graphql/graph/model"
	"github.com/vb365-graphql/vb365-graphql/live"
	"github.com/vb365-graphql/vb365-graphql/upstream"
)

// Resolver is the root resolver: the dependencies every resolver shares.
type Resolver struct {
	API         Upstream
	Live        *live.Hub[*upstream.JobSession]
	RestoreLive *live.Hub[*upstream.RestoreSession]
	Idempotency Idempotency
	Actions     ActionObserver
}

// sessions lists sessions and primes the session loader with them.
func (r *Resolver) sessions(ctx context.Context, w window, f upstream.SessionFilter) (*model.JobSessionConnection, error) {
	op := operation(ctx)
	page, err := fetchWindow(w, func(p upstream.PageRequest) (upstream.Page[upstream.JobSession], error) {
		return r.API.JobSessions(ctx, op.scope, f, p)
	})
	if err != nil {
		return nil, err
	}
	for i := range page.Items {
		op.primeSession(ctx, &page.Items[i])
	}
	return connection(page), nil
}
