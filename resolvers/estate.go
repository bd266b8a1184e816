package resolvers

import (
	"context"
	"errors"
	"strings"

	"github.com/vb365-graphql/vb365-graphql/graph/model"
	"github.com/vb365-graphql/vb365-graphql/upstream"
)

// jobsWhere pages the jobs keep keeps, from the servers' job collections
// (one call each, shared by every field of the operation that asks for
// jobs), and primes the job loaders with them.
func jobsWhere(ctx context.Context, w window, servers []string, keep func(*model.Job) bool) (*model.JobConnection, error) {
	last, lastFinished := nodesSelect(ctx, "lastSession"), nodesSelect(ctx, "lastFinishedSession")
	return across(ctx, w, servers, func(ctx context.Context, so *serverOp, p upstream.PageRequest) (upstream.Page[model.Job], error) {
		all, err := so.Jobs(ctx)
		if err != nil {
			return upstream.Page[model.Job]{}, err
		}
		page := wholePage(all, keep, p)
		for i := range page.Items {
			so.primeJob(ctx, &page.Items[i])
		}
		so.prefetchLastSessions(ctx, page.Items, last, lastFinished)
		remember(ctx, so, page.Items, func(j *model.Job) string { return j.ID })
		return page, nil
	}, nil)
}

// wholeConnection pages a collection each server answers whole, keeping
// what keep keeps (nil: every item).
func wholeConnection[T any](ctx context.Context, w window, servers []string, list func(*serverOp, context.Context) ([]T, error), keep func(*T) bool) (*model.Connection[T], error) {
	return across(ctx, w, servers, func(ctx context.Context, so *serverOp, p upstream.PageRequest) (upstream.Page[T], error) {
		all, err := list(so, ctx)
		if err != nil {
			return upstream.Page[T]{}, err
		}
		return wholePage(all, keep, p), nil
	}, nil)
}

func licensedUsers(ctx context.Context, w window, servers []string, f upstream.LicensedUserFilter) (*model.LicensedUserConnection, error) {
	return across(ctx, w, servers, func(ctx context.Context, so *serverOp, p upstream.PageRequest) (upstream.Page[upstream.LicensedUser], error) {
		return so.LicensedUsers(ctx, f, p)
	}, nil)
}

// copyJobOf is the copy job that copies job's backups: null where there is
// none, or where the version has no copy jobs (before v6).
func copyJobOf(ctx context.Context, job *model.Job) (*upstream.CopyJob, error) {
	so := part(ctx, job.ServerName)
	all, err := orNilBeforeVersion(so.CopyJobs(ctx))
	for i := range all {
		if sameID(all[i].BackupJobID, job.ID) {
			return &all[i], nil
		}
	}
	return nil, err
}

// repositoryOf is the repository a session writes to: its own (v7+), else
// its job's.
func repositoryOf(ctx context.Context, s *model.JobSession) (*model.BackupRepository, error) {
	so := part(ctx, s.ServerName)
	if s.RepositoryID != nil {
		return optional(ctx, s.RepositoryID, so.Repository)
	}
	job, err := optional(ctx, s.JobID, so.Job)
	if job == nil || err != nil {
		return nil, err
	}
	return optional(ctx, job.RepositoryID, so.Repository)
}

func serviceInstance(ctx context.Context, server string) (*upstream.ServiceInstance, error) {
	so := part(ctx, server)
	return orNilBeforeVersion(so.ServiceInstance(ctx))
}

// orNilBeforeVersion turns "this version does not serve it" into no value:
// for fields documented as null on the versions that lack them.
func orNilBeforeVersion[V any](v V, err error) (V, error) {
	var ve *upstream.VersionError
	if errors.As(err, &ve) {
		var none V
		return none, nil
	}
	return v, err
}

func sameID(id *string, want string) bool { return id != nil && strings.EqualFold(*id, want) }

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// filter keeps the items of all that keep keeps, as pointers.
func filter[T any](all []T, keep func(*T) bool) []*T {
	var out []*T
	for i := range all {
		if keep(&all[i]) {
			out = append(out, &all[i])
		}
	}
	return out
}

func pointers[T any](items []T) []*T { return filter(items, func(*T) bool { return true }) }
