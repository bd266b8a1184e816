package resolvers

import (
	"context"
	"strings"
	"time"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/vb365-graphql/vb365-graphql/upstream"
)

// Upstream is what the resolvers need of the VB365 client; *upstream.Client
// is one. Every call carries the operation's scope.
type Upstream interface {
	JobSessions(ctx context.Context, s *upstream.Scope, f upstream.SessionFilter, p upstream.PageRequest) (upstream.Page[upstream.JobSession], error)
	Jobs(ctx context.Context, s *upstream.Scope, p upstream.PageRequest) (upstream.Page[upstream.Job], error)
	JobSessionsByID(ctx context.Context, s *upstream.Scope, ids []string) ([]*upstream.JobSession, []error)
	JobsByID(ctx context.Context, s *upstream.Scope, ids []string) ([]*upstream.Job, []error)
	LogPages(ctx context.Context, s *upstream.Scope, reqs []upstream.LogRequest) ([]upstream.Page[upstream.LogItem], []error)
	CachedSession(s *upstream.Scope, id string) (*upstream.JobSession, bool)
	CachedJob(s *upstream.Scope, id string) (*upstream.Job, bool)
}

// BatchObserver is told of every loader batch (metrics).
type BatchObserver interface {
	LoaderBatch(loader string, keys int)
}

// Operation is what the resolvers of one GraphQL operation (or of one event
// of a subscription) share: the upstream scope its calls carry, and loaders
// that batch and de-duplicate them. It is made per operation, so nothing
// fetched with one caller's credentials is served to another, and nothing
// one answer fetched is served as current in a later one.
type Operation struct {
	api      Upstream
	scope    *upstream.Scope
	sessions *dataloader.Loader[string, *upstream.JobSession]
	jobs     *dataloader.Loader[string, *upstream.Job]
	logs     *dataloader.Loader[upstream.LogRequest, upstream.Page[upstream.LogItem]]
}

// NewOperation builds the loaders of one operation over scope. wait is how
// long a loader collects keys before it calls the upstream: the fields of
// one level of a query resolve within microseconds of each other, so a short
// wait suffices.
func NewOperation(api Upstream, scope *upstream.Scope, wait time.Duration, obs BatchObserver) *Operation {
	return &Operation{
		api:      api,
		scope:    scope,
		sessions: dataloader.NewBatchedLoader(batch("sessions", scope, obs, api.JobSessionsByID), dataloader.WithWait[string, *upstream.JobSession](wait)),
		jobs:     dataloader.NewBatchedLoader(batch("jobs", scope, obs, api.JobsByID), dataloader.WithWait[string, *upstream.Job](wait)),
		logs:     dataloader.NewBatchedLoader(batch("logs", scope, obs, api.LogPages), dataloader.WithWait[upstream.LogRequest, upstream.Page[upstream.LogItem]](wait)),
	}
}

// Scope is the upstream scope of the operation.
func (o *Operation) Scope() *upstream.Scope { return o.scope }

type operationKey struct{}

// WithOperation makes o the operation of everything resolved with ctx.
func WithOperation(ctx context.Context, o *Operation) context.Context {
	return context.WithValue(ctx, operationKey{}, o)
}

// OperationOf returns the operation of ctx, if it has one.
func OperationOf(ctx context.Context) (*Operation, bool) {
	o, ok := ctx.Value(operationKey{}).(*Operation)
	return o, ok
}

// operation is the operation every resolver runs in.
func operation(ctx context.Context) *Operation {
	o, ok := OperationOf(ctx)
	if !ok {
		panic("resolvers: no operation in the context; the serving layer makes one for each (WithOperation)")
	}
	return o
}

// batch adapts a "many keys -> aligned values and errors" upstream call to a
// dataloader batch function.
func batch[K comparable, V any](name string, s *upstream.Scope, obs BatchObserver, fetch func(context.Context, *upstream.Scope, []K) ([]V, []error)) dataloader.BatchFunc[K, V] {
	return func(ctx context.Context, keys []K) []*dataloader.Result[V] {
		obs.LoaderBatch(name, len(keys))
		values, errs := fetch(ctx, s, keys)
		out := make([]*dataloader.Result[V], len(keys))
		for i := range keys {
			out[i] = &dataloader.Result[V]{Data: values[i], Error: errs[i]}
		}
		return out
	}
}

// Session loads one session by id (ids are case-insensitive upstream). A
// session the cache holds costs neither a call nor the batch wait.
func (o *Operation) Session(ctx context.Context, id string) (*upstream.JobSession, error) {
	if s, ok := o.api.CachedSession(o.scope, id); ok {
		return s, nil
	}
	return o.sessions.Load(ctx, strings.ToLower(id))()
}

// Job loads one job by id, from the cache when it can.
func (o *Operation) Job(ctx context.Context, id string) (*upstream.Job, error) {
	if j, ok := o.api.CachedJob(o.scope, id); ok {
		return j, nil
	}
	return o.jobs.Load(ctx, strings.ToLower(id))()
}

// Log loads one page of a session's log.
func (o *Operation) Log(ctx context.Context, sessionID string, p upstream.PageRequest) (upstream.Page[upstream.LogItem], error) {
	return o.logs.Load(ctx, upstream.LogRequest{SessionID: strings.ToLower(sessionID), Page: p})()
}

// primeSession records a session that a listing already returned, so that a
// later lookup by id in the same operation costs nothing.
func (o *Operation) primeSession(ctx context.Context, s *upstream.JobSession) {
	o.sessions.Prime(ctx, strings.ToLower(s.ID), s)
}

func (o *Operation) primeJob(ctx context.Context, j *upstream.Job) {
	o.jobs.Prime(ctx, strings.ToLower(j.ID), j)
}
