package resolvers

import (
	"context"
	"errors"
	"strings"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/vb365-graphql/vb365-graphql/graph/model"
	"github.com/vb365-graphql/vb365-graphql/upstream"
)

// jobsWhere pages the jobs keep keeps, from the job collection (one call,
// shared by every field of the operation that asks for jobs).
func (r *Resolver) jobsWhere(ctx context.Context, w window, keep func(*upstream.Job) bool) (*model.JobConnection, error) {
	op := operation(ctx)
	all, err := r.API.Jobs(ctx, op.scope)
	if err != nil {
		return nil, err
	}
	page, err := pageOfAll(w, all, keep)
	if err != nil {
		return nil, err
	}
	for i := range page.Items {
		op.primeJob(ctx, &page.Items[i])
	}
	return connection(page), nil
}

// wholeConnection pages a collection the client reads whole, keeping what
// keep keeps (nil: every item).
func wholeConnection[T any](ctx context.Context, w window, list func(context.Context, *upstream.Scope) ([]T, error), keep func(*T) bool) (*model.Connection[T], error) {
	all, err := list(ctx, operation(ctx).scope)
	if err != nil {
		return nil, err
	}
	page, err := pageOfAll(w, all, keep)
	if err != nil {
		return nil, err
	}
	return connection(page), nil
}

func (r *Resolver) licensedUsers(ctx context.Context, w window, f upstream.LicensedUserFilter) (*model.LicensedUserConnection, error) {
	page, err := fetchWindow(w, func(p upstream.PageRequest) (upstream.Page[upstream.LicensedUser], error) {
		return r.API.LicensedUsers(ctx, operation(ctx).scope, f, p)
	})
	if err != nil {
		return nil, err
	}
	return connection(page), nil
}

// copyJobOf is the copy job that copies job's backups: null where there is
// none, or where the version has no copy jobs (before v6).
func (r *Resolver) copyJobOf(ctx context.Context, job *upstream.Job) (*upstream.CopyJob, error) {
	all, err := orNilBeforeVersion(r.API.CopyJobs(ctx, operation(ctx).scope))
	for i := range all {
		if sameID(all[i].BackupJobID, job.ID) {
			return &all[i], nil
		}
	}
	return nil, err
}

// repositoryOf is the repository a session writes to: its own (v7+), else
// its job's.
func (r *Resolver) repositoryOf(ctx context.Context, s *upstream.JobSession) (*upstream.BackupRepository, error) {
	op := operation(ctx)
	if s.RepositoryID != nil {
		return byID(ctx, op.repositories, s.RepositoryID)
	}
	job, err := byID(ctx, op.jobs, s.JobID)
	if job == nil || err != nil {
		return nil, err
	}
	return byID(ctx, op.repositories, job.RepositoryID)
}

func (r *Resolver) serviceInstance(ctx context.Context) (*upstream.ServiceInstance, error) {
	return orNilBeforeVersion(r.API.ServiceInstance(ctx, operation(ctx).scope))
}

// lookUp loads one item by an id the client gave.
func lookUp[V any](ctx context.Context, l *dataloader.Loader[string, V], id string) (V, error) {
	if err := upstream.ValidateID(id); err != nil {
		var none V
		return none, err
	}
	return byID(ctx, l, &id)
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
