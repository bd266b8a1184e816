package resolvers

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/vb365-graphql/vb365-graphql/access"
	"github.com/vb365-graphql/vb365-graphql/graph/model"
	"github.com/vb365-graphql/vb365-graphql/store"
	"github.com/vb365-graphql/vb365-graphql/upstream"
)

// BatchObserver is told of every loader batch (metrics).
type BatchObserver interface {
	LoaderBatch(loader string, keys int)
}

// Operation is what the resolvers of one GraphQL operation (or of one event
// of a subscription) share: for each server it asks, the upstream scope its
// calls carry and loaders that batch and de-duplicate them (made when the
// operation first asks that server). It is made per operation, so nothing
// fetched with one caller's credentials is served to another, and nothing
// one answer fetched is served as current in a later one.
type Operation struct {
	ids           IDs
	request       Request
	credential    string
	windows       *Windows
	obs           BatchObserver
	serverTimeout time.Duration
	servers       []*upstream.Client // in the configured order
	mu            sync.Mutex
	// serverSlots bounds the servers one operation asks at once (each
	// server's calls are bounded by its own scope); made when first needed.
	serverSlots chan struct{}
	parts       map[string]*serverOp
}

// serverOp is one server's part of an operation.
type serverOp struct {
	name     string
	api      *upstream.Client
	scope    *upstream.Scope
	obs      BatchObserver
	sessions *dataloader.Loader[string, *upstream.JobSession]
	jobs     *dataloader.Loader[string, *upstream.Job]
	lastRuns *dataloader.Loader[upstream.LastSessionKey, *upstream.JobSession]
	logs     *dataloader.Loader[upstream.LogRequest, upstream.Page[upstream.LogItem]]

	organizations *dataloader.Loader[string, *upstream.Organization]
	repositories  *dataloader.Loader[string, *upstream.BackupRepository]
	proxies       *dataloader.Loader[string, *upstream.Proxy]
	pools         *dataloader.Loader[string, *upstream.ProxyPool]
	copyJobs      *dataloader.Loader[string, *upstream.CopyJob]
	licensing     *dataloader.Loader[string, *upstream.OrganizationLicensing]
	usage         *dataloader.Loader[string, []upstream.RepositoryUsage]

	processed     *dataloader.Loader[upstream.ProcessedRequest, upstream.Page[upstream.ProcessedObject]]
	objects       *dataloader.Loader[upstream.ObjectRef, *upstream.OrganizationObject]
	oneDrives     *dataloader.Loader[upstream.ObjectRef, []upstream.OneDrive]
	restorePoints *dataloader.Loader[upstream.RestorePointsRequest, upstream.Page[upstream.RestorePoint]]
	points        *dataloader.Loader[string, *upstream.RestorePoint]
	restores      *dataloader.Loader[string, *upstream.RestoreSession]
	events        *dataloader.Loader[upstream.EventsRequest, upstream.Page[upstream.RestoreEvent]]
	restoreStats  *dataloader.Loader[string, *upstream.RestoreStatistics]
}

// Request is what the serving layer knows of the request an operation
// came in: who sent it, and the Idempotency-Key header it carried.
type Request struct {
	Caller         access.Caller
	IdempotencyKey string
}

// Settings are what every operation of a gateway shares.
type Settings struct {
	IDs      IDs           // which server served an id (nil: none remembered: every lookup asks every server)
	Windows  *Windows      // how long loaders collect keys before they call the upstream
	Observer BatchObserver // told of every loader batch
	// ServerTimeout bounds each server's part of what asks several at once
	// (a merged list, a lookup by an id of unknown server), so that one
	// server that does not answer costs the others nothing (0: none but
	// the operation's own deadline).
	ServerTimeout time.Duration
}

// NewOperation starts an operation over servers, with the caller's
// credential (pass-through mode) for each.
func NewOperation(servers []*upstream.Client, s *Settings, credential string, req Request) *Operation {
	ids := s.IDs
	if ids == nil {
		ids = noIDs{}
	}
	return &Operation{ids: ids, request: req, credential: credential, windows: s.Windows, obs: s.Observer, serverTimeout: s.ServerTimeout, servers: servers}
}

// maxServersAtOnce bounds the servers one operation asks at once.
const maxServersAtOnce = 64

// on is the operation's part on the server named (which must be one of its
// servers), made on first use.
func (o *Operation) on(server string) *serverOp {
	o.mu.Lock()
	defer o.mu.Unlock()
	if p := o.parts[server]; p != nil {
		return p
	}
	for _, api := range o.servers {
		if api.Name() == server {
			if o.parts == nil {
				o.parts = map[string]*serverOp{}
			}
			p := newServerOp(api, api.NewScope(o.credential), o.windows, o.obs)
			o.parts[server] = p
			return p
		}
	}
	panic("resolvers: no server named " + server)
}

func (o *Operation) slots() chan struct{} {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.serverSlots == nil {
		o.serverSlots = make(chan struct{}, maxServersAtOnce)
	}
	return o.serverSlots
}

// has reports whether the operation covers the server named.
func (o *Operation) has(server string) bool {
	for _, api := range o.servers {
		if api.Name() == server {
			return true
		}
	}
	return false
}

// names are the operation's servers' names, in the configured order.
func (o *Operation) names() []string {
	out := make([]string, len(o.servers))
	for i, api := range o.servers {
		out[i] = api.Name()
	}
	return out
}

// noIDs remembers nothing: every lookup asks every server.
type noIDs struct{}

func (noIDs) Where(_ context.Context, ids ...string) []store.Placement {
	return make([]store.Placement, len(ids))
}
func (noIDs) Remember(context.Context, string, ...string) {}
func (noIDs) Absent(context.Context, string)              {}

// Credential is the caller's credential the operation's calls carry.
func (o *Operation) Credential() string { return o.credential }

// SharedFor is how long the operation's answer may be served to identical
// operations: as long as every upstream answer it used, on every server it
// asked, stays fresh. false: it used none, or one that is not kept.
func (o *Operation) SharedFor() (time.Duration, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var least time.Duration
	used := false
	for _, p := range o.parts {
		ttl, ok := p.scope.SharedFor()
		if !ok {
			if p.scope.Used() {
				return 0, false // an answer that is not kept
			}
			continue
		}
		if !used || ttl < least {
			least, used = ttl, true
		}
	}
	return least, used
}

func newServerOp(api *upstream.Client, scope *upstream.Scope, windows *Windows, obs BatchObserver) *serverOp {
	cachedSession := func(id string) (*upstream.JobSession, bool) { return api.CachedSession(scope, id) }
	cachedJob := func(id string) (*upstream.Job, bool) { return api.CachedJob(scope, id) }
	return &serverOp{
		name:     api.Name(),
		api:      api,
		scope:    scope,
		obs:      obs,
		sessions: loader("sessions", scope, obs, windows, api.JobSessionsByID, cachedSession),
		jobs:     loader("jobs", scope, obs, windows, api.JobsByID, cachedJob),
		lastRuns: loader("lastSessions", scope, obs, windows, api.LastSessions, nil),
		logs:     loader("logs", scope, obs, windows, api.LogPages, nil),

		organizations: loader("organizations", scope, obs, windows, api.OrganizationsByID, nil),
		repositories:  loader("repositories", scope, obs, windows, api.BackupRepositoriesByID, nil),
		proxies:       loader("proxies", scope, obs, windows, api.ProxiesByID, nil),
		pools:         loader("proxyPools", scope, obs, windows, api.ProxyPoolsByID, nil),
		copyJobs:      loader("copyJobs", scope, obs, windows, api.CopyJobsByID, nil),
		licensing:     loader("licensing", scope, obs, windows, api.OrganizationLicensing, nil),
		usage:         loader("usedRepositories", scope, obs, windows, api.RepositoryUsage, nil),

		processed:     loader("processedObjects", scope, obs, windows, api.ProcessedObjectPages, nil),
		objects:       loader("organizationObjects", scope, obs, windows, api.OrganizationObjects, nil),
		oneDrives:     loader("oneDrives", scope, obs, windows, api.OneDrives, nil),
		restorePoints: loader("restorePoints", scope, obs, windows, api.RestorePointPages, nil),
		points:        loader("restorePointsByID", scope, obs, windows, api.RestorePointsByID, nil),
		restores:      loader("restoreSessions", scope, obs, windows, api.RestoreSessionsByID, nil),
		events:        loader("restoreEvents", scope, obs, windows, api.RestoreEventPages, nil),
		restoreStats:  loader("restoreStatistics", scope, obs, windows, api.RestoreStatisticsOf, nil),
	}
}

// loader batches the keys one level of a query asks for into one call of
// fetch, within the window its name has now. peek, when given, answers keys
// the upstream cache holds without a batch (so without waiting out the
// window): the loader's own memo asks it first.
func loader[K comparable, V any](name string, s *upstream.Scope, obs BatchObserver, windows *Windows,
	fetch func(context.Context, *upstream.Scope, []K) ([]V, []error), peek func(K) (V, bool)) *dataloader.Loader[K, V] {
	w := windows.of(name)
	wait := w.wait()
	var sp splits
	run := batch(name, s, obs, fetch)
	opts := []dataloader.Option[K, V]{dataloader.WithWait[K, V](wait), dataloader.WithInputCapacity[K, V](loaderQueue)}
	if peek != nil {
		opts = append(opts, dataloader.WithCache[K, V](peeking[K, V]{dataloader.NewCache[K, V](), peek}))
	}
	return dataloader.NewBatchedLoader(func(ctx context.Context, keys []K) []*dataloader.Result[V] {
		w.observe(sp.start(wait))
		defer sp.end()
		return run(ctx, keys)
	}, opts...)
}

// peeking is a loader's memo that also answers from the upstream cache.
type peeking[K comparable, V any] struct {
	dataloader.Cache[K, V]
	peek func(K) (V, bool)
}

func (c peeking[K, V]) Get(ctx context.Context, key K) (dataloader.Thunk[V], bool) {
	if t, ok := c.Cache.Get(ctx, key); ok {
		return t, true
	}
	v, ok := c.peek(key)
	if !ok {
		return nil, false
	}
	t := func() (V, error) { return v, nil }
	c.Cache.Set(ctx, key, t)
	return t, true
}

// loaderQueue is how many keys a batch takes in before an asker waits for
// the batch's goroutine to read them. dataloader's default, 1000, allocates
// 8 KB for every batch, most of what a small operation allocates; a level
// asks for a few dozen keys, and one waiting a moment costs less.
const loaderQueue = 64

// byID loads the item an optional id names (nil id: no item), ids being
// case-insensitive upstream.
func byID[V any](ctx context.Context, l *dataloader.Loader[string, V], id *string) (V, error) {
	if id == nil || *id == "" {
		var none V
		return none, nil
	}
	return l.Load(ctx, strings.ToLower(*id))()
}

// Request is what the serving layer said of the operation's request.
func (o *Operation) Request() Request { return o.request }

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

// primeSession records a session that a listing already returned, so that a
// later lookup by id in the same operation costs nothing.
func (o *serverOp) primeSession(ctx context.Context, s *model.JobSession) {
	o.sessions.Prime(ctx, strings.ToLower(s.ID), (*upstream.JobSession)(s))
}

func (o *serverOp) primeJob(ctx context.Context, j *model.Job) {
	o.jobs.Prime(ctx, strings.ToLower(j.ID), (*upstream.Job)(j))
}

// prefetchJobs reads the jobs of a page of sessions in one call and primes
// the loader with them, before the page's fields ask for them one by one:
// under load those fields run late and apart, and no batch window is sure
// to gather them (nor to gather a loop of Loads, which a busy scheduler can
// interrupt past the window). The upstream decides how (a listing, or
// items, or its cache); an id it fails is left to its field to ask again.
func (o *serverOp) prefetchJobs(ctx context.Context, sessions []model.JobSession) {
	var ids []string
	for i := range sessions {
		if id := sessions[i].JobID; id != nil && *id != "" && !slices.Contains(ids, strings.ToLower(*id)) {
			ids = append(ids, strings.ToLower(*id))
		}
	}
	if len(ids) == 0 {
		return
	}
	o.obs.LoaderBatch("jobs", len(ids)) // a batch of the jobs loader's, made here
	jobs, errs := o.api.JobsByID(ctx, o.scope, ids)
	for i, id := range ids {
		if errs[i] == nil && jobs[i] != nil {
			o.jobs.Prime(ctx, id, jobs[i])
		}
	}
}

// prefetchLastSessions finds the last (finished) sessions of a page of jobs
// in one batch and primes the loader with them, for the reason
// prefetchJobs gives.
func (o *serverOp) prefetchLastSessions(ctx context.Context, jobs []model.Job, last, lastFinished bool) {
	var keys []upstream.LastSessionKey
	for i := range jobs {
		id := strings.ToLower(jobs[i].ID)
		if last {
			keys = append(keys, upstream.LastSessionKey{JobID: id})
		}
		if lastFinished {
			keys = append(keys, upstream.LastSessionKey{JobID: id, Finished: true})
		}
	}
	if len(keys) == 0 {
		return
	}
	o.obs.LoaderBatch("lastSessions", len(keys)) // a batch of the loader's, made here
	sessions, errs := o.api.LastSessions(ctx, o.scope, keys)
	for i, k := range keys {
		if errs[i] == nil {
			o.lastRuns.Prime(ctx, k, sessions[i])
		}
	}
}

// prefetchObjects reads the directory objects a page links to in one batch
// and primes the loader with them, for the reason prefetchJobs gives.
func (o *serverOp) prefetchObjects(ctx context.Context, refs []upstream.ObjectRef) {
	if len(refs) == 0 {
		return
	}
	o.obs.LoaderBatch("organizationObjects", len(refs)) // a batch of the loader's, made here
	objects, errs := o.api.OrganizationObjects(ctx, o.scope, refs)
	for i, r := range refs {
		if errs[i] == nil && objects[i] != nil {
			o.objects.Prime(ctx, r, objects[i])
		}
	}
}
