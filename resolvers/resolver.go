// Package resolvers holds the GraphQL resolvers: thin functions that ask the
// per-request loaders (loaders.go) or the upstream client for data, and the
// error presenter (errors.go).
package resolvers

import (
	"context"

	"github.com/vb365-graphql/vb365-graphql/graph/model"
	"github.com/vb365-graphql/vb365-graphql/upstream"
)

// Resolver is the root resolver: the dependencies every resolver shares.
type Resolver struct {
	API  Upstream
	Live *Live
}

// sessions lists sessions and primes the session loader with them.
func (r *Resolver) sessions(ctx context.Context, w window, f upstream.SessionFilter) (*model.JobSessionConnection, error) {
	page, err := fetchWindow(w, func(p upstream.PageRequest) (upstream.Page[upstream.JobSession], error) {
		return r.API.JobSessions(ctx, f, p)
	})
	if err != nil {
		return nil, err
	}
	for i := range page.Items {
		For(ctx).primeSession(ctx, &page.Items[i])
	}
	return sessionConnection(page), nil
}
