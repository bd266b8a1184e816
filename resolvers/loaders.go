package resolvers

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/vb365-graphql/vb365-graphql/gateway"
	"github.com/vb365-graphql/vb365-graphql/upstream"
)

// Upstream is what the resolvers need from the VB365 client; *upstream.Client
// satisfies it.
type Upstream interface {
	JobSession(ctx context.Context, id string) (*upstream.JobSession, error)
	JobSessions(ctx context.Context, f upstream.SessionFilter, p upstream.PageRequest) (upstream.Page[upstream.JobSession], error)
	Jobs(ctx context.Context, p upstream.PageRequest) (upstream.Page[upstream.Job], error)
	JobSessionsByID(ctx context.Context, ids []string) ([]*upstream.JobSession, []error)
	JobsByID(ctx context.Context, ids []string) ([]*upstream.Job, []error)
	LogPages(ctx context.Context, reqs []upstream.LogRequest) ([]upstream.Page[upstream.LogItem], []error)
	CachedSession(ctx context.Context, id string) (*upstream.JobSession, bool)
	CachedJob(ctx context.Context, id string) (*upstream.Job, bool)
	PollJobSession(ctx context.Context, id string) (*upstream.JobSession, error)
	Vouched(authorization string) bool
}

// Loaders batch and de-duplicate the upstream calls of one GraphQL request.
// They are built per request, so nothing fetched with one caller's
// credentials is ever served to another.
type Loaders struct {
	api      Upstream
	sessions *dataloader.Loader[string, *upstream.JobSession]
	jobs     *dataloader.Loader[string, *upstream.Job]
	logs     *dataloader.Loader[upstream.LogRequest, upstream.Page[upstream.LogItem]]
}

// NewLoaders builds the loaders of one request. wait is how long a loader
// collects keys before it calls the upstream: the fields of one level of a
// query resolve within microseconds of each other, so a short wait suffices.
func NewLoaders(api Upstream, wait time.Duration, obs Observer) *Loaders {
	return &Loaders{
		api:      api,
		sessions: dataloader.NewBatchedLoader(batch("sessions", obs, api.JobSessionsByID), dataloader.WithWait[string, *upstream.JobSession](wait)),
		jobs:     dataloader.NewBatchedLoader(batch("jobs", obs, api.JobsByID), dataloader.WithWait[string, *upstream.Job](wait)),
		logs:     dataloader.NewBatchedLoader(batch("logs", obs, api.LogPages), dataloader.WithWait[upstream.LogRequest, upstream.Page[upstream.LogItem]](wait)),
	}
}

// batch adapts a "many keys -> aligned values and errors" upstream call to a
// dataloader batch function.
func batch[K comparable, V any](name string, obs Observer, fetch func(context.Context, []K) ([]V, []error)) dataloader.BatchFunc[K, V] {
	return func(ctx context.Context, keys []K) []*dataloader.Result[V] {
		obs.LoaderBatch(name, len(keys))
		values, errs := fetch(ctx, keys)
		out := make([]*dataloader.Result[V], len(keys))
		for i := range keys {
			out[i] = &dataloader.Result[V]{Data: values[i], Error: errs[i]}
		}
		return out
	}
}

// Session loads one session by id (ids are case-insensitive upstream). A
// session the cache holds costs neither a call nor the batch wait.
func (l *Loaders) Session(ctx context.Context, id string) (*upstream.JobSession, error) {
	if s, ok := l.api.CachedSession(ctx, id); ok {
		return s, nil
	}
	return l.sessions.Load(ctx, strings.ToLower(id))()
}

// Job loads one job by id, from the cache when it can.
func (l *Loaders) Job(ctx context.Context, id string) (*upstream.Job, error) {
	if j, ok := l.api.CachedJob(ctx, id); ok {
		return j, nil
	}
	return l.jobs.Load(ctx, strings.ToLower(id))()
}

// Log loads one page of a session's log.
func (l *Loaders) Log(ctx context.Context, sessionID string, p upstream.PageRequest) (upstream.Page[upstream.LogItem], error) {
	return l.logs.Load(ctx, upstream.LogRequest{SessionID: strings.ToLower(sessionID), Page: p})()
}

// primeSession records a session that a listing already returned, so that a
// later lookup by id in the same request costs nothing.
func (l *Loaders) primeSession(ctx context.Context, s *upstream.JobSession) {
	l.sessions.Prime(ctx, strings.ToLower(s.ID), s)
}

func (l *Loaders) primeJob(ctx context.Context, j *upstream.Job) {
	l.jobs.Prime(ctx, strings.ToLower(j.ID), j)
}

type loadersKey struct{}

// Middleware gives every request its deadline (timeout; subscription streams
// have none) and hands the caller's Authorization header to the upstream
// client for pass-through mode. Loaders and the upstream scope are made per
// response (scopePerResponse), not per request: a WebSocket carries many.
func Middleware(timeout time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if timeout > 0 && !gateway.IsStream(r) {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, timeout)
			defer cancel()
		}
		if h := r.Header.Get("Authorization"); h != "" {
			ctx = upstream.WithCallerAuthorization(ctx, h)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// For returns the loaders of the request in ctx.
func For(ctx context.Context) *Loaders {
	l, _ := ctx.Value(loadersKey{}).(*Loaders)
	if l == nil {
		panic("resolvers: no loaders in context; wrap the handler with resolvers.Middleware")
	}
	return l
}
