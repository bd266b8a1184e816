package resolvers

import (
	"cmp"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"github.com/vb365-graphql/vb365-graphql/graph"
	"github.com/vb365-graphql/vb365-graphql/graph/model"
	"github.com/vb365-graphql/vb365-graphql/store"
	"github.com/vb365-graphql/vb365-graphql/upstream"
)

// Several VB365 servers behind one graph. An item knows its server
// (Origin); what hangs off it is asked of that server. A root list asks the
// servers it is given (all by default) and merges their pages in its order;
// with one server it is that server's list, its cursors as they were. A
// lookup by id asks the server that served the id before, else all of them.

// ServerError is one server's failure within an answer that others gave:
// its extensions say which server.
type ServerError struct {
	Server string
	Err    error
}

func (e *ServerError) Error() string { return e.Server + ": " + e.Err.Error() }
func (e *ServerError) Unwrap() error { return e.Err }

// IDs remembers which servers served an id, so that a later lookup asks
// that server alone (shared between replicas when it can be), and which ids
// no server had lately.
type IDs interface {
	Where(ctx context.Context, ids ...string) []store.Placement
	Remember(ctx context.Context, server string, ids ...string)
	Absent(ctx context.Context, id string)
}

// lookUpAnywhere loads an item by an id the client gave, from the server
// that has it: the one the client named; the only one; the one known to
// have served the id; else every server at once, each within the server
// deadline, waiting for all of them. An id that more than one server has is
// ambiguous: an error naming them (AMBIGUOUS_ID), never a guess. An id no
// server had is remembered for a while, so that asking again costs nothing.
//
// strict is for actions, which must never go to a server by a guess: every
// server is asked, even when one is known, and a server known to have the
// id that cannot answer now makes the lookup fail rather than pick another.
func lookUpAnywhere[V any](ctx context.Context, id string, server *string, strict bool, get func(so *serverOp, ctx context.Context, id string) (V, error)) (V, error) {
	var none V
	if err := upstream.ValidateID(id); err != nil {
		return none, err
	}
	op := operation(ctx)
	key := strings.ToLower(id)
	if server != nil {
		so, err := named(ctx, server)
		if err != nil {
			return none, err
		}
		v, err := get(so, ctx, key)
		if err == nil && len(op.servers) > 1 {
			op.ids.Remember(ctx, so.name, key)
		}
		return v, err
	}
	if len(op.servers) == 1 {
		return get(part(ctx, ""), ctx, key)
	}
	known := op.ids.Where(ctx, key)[0]
	if !strict {
		if known.Absent {
			return none, errNotOnAnyServer
		}
		if len(known.Servers) == 1 && op.has(known.Servers[0]) {
			v, err := get(op.on(known.Servers[0]), ctx, key)
			if upstream.KindOf(err) != upstream.KindNotFound {
				return v, err
			}
			// Gone from the server that had it: look everywhere.
		}
	}
	names := op.names()
	values, errs := onEach(ctx, names, func(ctx context.Context, so *serverOp) (V, error) { return get(so, ctx, key) })
	var found []string
	var failures []error
	var v V
	for i, name := range names {
		switch {
		case errs[i] == nil:
			found, v = append(found, name), values[i]
		case upstream.KindOf(errs[i]) != upstream.KindNotFound:
			failures = append(failures, &ServerError{Server: name, Err: errs[i]})
		}
	}
	for _, name := range found {
		op.ids.Remember(ctx, name, key)
	}
	switch {
	case len(found) > 1:
		return none, ambiguous(id, found)
	case len(found) == 1:
		if strict {
			// A server that had the id and cannot answer now may still
			// have it: acting on the other would be a guess.
			for _, name := range known.Servers {
				if name != found[0] && slices.ContainsFunc(failures, func(e error) bool { return e.(*ServerError).Server == name }) {
					return none, graph.Ambiguous(fmt.Sprintf("id %s is on %s, and was on %s, which does not answer now: name the one meant with server: %q",
						id, found[0], name, name), []string{found[0], name})
				}
			}
		}
		return v, nil
	case len(failures) > 0:
		return none, errors.Join(failures...)
	}
	op.ids.Absent(ctx, key)
	return none, errNotOnAnyServer
}

var errNotOnAnyServer = &upstream.Error{Kind: upstream.KindNotFound, Message: "not found on any server"}

// ambiguous refuses an id that more than one server has.
func ambiguous(id string, servers []string) error {
	slices.Sort(servers)
	return graph.Ambiguous(fmt.Sprintf("id %s is on more than one server (%s): name the one meant with server: %q",
		id, strings.Join(servers, ", "), servers[0]), servers)
}

// remember notes the items a server listed, so that a later lookup of one
// asks that server alone (with one server there is nothing to note).
func remember[T any](ctx context.Context, so *serverOp, items []T, id func(*T) string) {
	op := operation(ctx)
	if len(op.servers) < 2 || len(items) == 0 {
		return
	}
	ids := make([]string, len(items))
	for i := range items {
		ids[i] = strings.ToLower(id(&items[i]))
	}
	op.ids.Remember(ctx, so.name, ids...)
}

// part is the operation's part on the server an item came from (the first
// server for an item that does not say: there is only one then).
func part(ctx context.Context, server string) *serverOp {
	op := operation(ctx)
	if server == "" {
		server = op.servers[0].Name()
	}
	return op.on(server)
}

// selected are the servers a root list asks: those named, in the
// configured order, else all.
func selected(ctx context.Context, names []string) ([]string, error) {
	op := operation(ctx)
	var out []string
	for _, api := range op.servers {
		if len(names) == 0 || slices.Contains(names, api.Name()) {
			out = append(out, api.Name())
		}
	}
	for _, n := range names {
		if !slices.ContainsFunc(op.servers, func(api *upstream.Client) bool { return api.Name() == n }) {
			return nil, graph.BadInput(fmt.Sprintf("no server is named %q", n))
		}
	}
	return out, nil
}

// across pages a root list over the servers named (nil: all). fetch reads
// one server's page; order (nil: server after server) merges them.
func across[T any](ctx context.Context, w window, names []string, fetch func(ctx context.Context, so *serverOp, p upstream.PageRequest) (upstream.Page[T], error),
	order func(a, b *T) int) (*model.Connection[T], error) {
	servers, err := selected(ctx, names)
	if err != nil {
		return nil, err
	}
	if len(operation(ctx).servers) == 1 {
		so := part(ctx, servers[0])
		page, err := fetchWindow(w, func(p upstream.PageRequest) (upstream.Page[T], error) { return fetch(ctx, so, p) })
		if err != nil {
			return nil, err
		}
		return connection(page), nil
	}
	return merged(ctx, w, servers, fetch, order)
}

// A merged list's cursor holds, for each server, how many of its items
// come before the next one (its offset), and which server the item came
// from: "merged:east=3,west=0;east".
const mergedPrefix = "merged:"

func encodeMerged(positions map[string]int, servers []string, item string) string {
	var b strings.Builder
	b.WriteString(mergedPrefix)
	for i, s := range servers {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s + "=" + strconv.Itoa(positions[s]))
	}
	b.WriteString(";" + item)
	return base64.RawURLEncoding.EncodeToString([]byte(b.String()))
}

func decodeMerged(cursor string, servers []string) (positions map[string]int, item string, ok bool) {
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return nil, "", false
	}
	body, ok := strings.CutPrefix(string(raw), mergedPrefix)
	if !ok {
		return nil, "", false
	}
	list, item, ok := strings.Cut(body, ";")
	if !ok || !slices.Contains(servers, item) {
		return nil, "", false
	}
	positions = map[string]int{}
	for _, pair := range strings.Split(list, ",") {
		name, n, ok := strings.Cut(pair, "=")
		offset, err := strconv.Atoi(n)
		if !ok || err != nil || offset < 0 || offset > 1<<30 || !slices.Contains(servers, name) {
			return nil, "", false
		}
		positions[name] = offset
	}
	return positions, item, len(positions) == len(servers)
}

// fetched is one item of a merged page and where it stands.
type fetched[T any] struct {
	item   *T
	server int // in the servers' order
	index  int // in its server's list
}

// merged pages several servers' lists as one: each server is asked for at
// most what the page can take of it, the pages are merged in order, and
// each item's cursor keeps every server's position, so that paging on,
// forwards or backwards, neither skips nor repeats. A server that fails
// leaves its items out, with an error that names it; the others' come.
func merged[T any](ctx context.Context, w window, servers []string, fetch func(ctx context.Context, so *serverOp, p upstream.PageRequest) (upstream.Page[T], error),
	order func(a, b *T) int) (*model.Connection[T], error) {
	for _, n := range []*int{w.first, w.last} {
		if n != nil && (*n < 0 || *n > MaxPageSize) {
			return nil, graph.BadInput(fmt.Sprintf("a page has at most %d items (first and last from 0 to %[1]d)", MaxPageSize))
		}
	}
	if w.first != nil && w.last != nil {
		return nil, graph.BadInput("give first or last, not both")
	}
	start, end := map[string]int{}, map[string]int(nil)
	if w.after != nil && *w.after != "" {
		pos, _, ok := decodeMerged(*w.after, servers)
		if !ok {
			return nil, graph.BadInput("after is not a cursor of this list over these servers")
		}
		start = pos
	}
	beforeGiven := w.before != nil && *w.before != ""
	if beforeGiven {
		pos, item, ok := decodeMerged(*w.before, servers)
		if !ok {
			return nil, graph.BadInput("before is not a cursor of this list over these servers")
		}
		pos[item]-- // the item itself is not before itself
		end = pos
	}
	n, backward := defaultPageSize, w.last != nil
	switch {
	case w.first != nil:
		n = *w.first
	case backward:
		n = *w.last
	}

	failed := make([]error, len(servers))
	if backward && end == nil { // the end of every list: each server counts its own
		var totals []int
		totals, failed = onEach(ctx, servers, func(ctx context.Context, so *serverOp) (int, error) {
			return count(func(p upstream.PageRequest) (upstream.Page[T], error) { return fetch(ctx, so, p) })
		})
		end = map[string]int{}
		for i, s := range servers {
			end[s] = totals[i]
		}
	}
	lows, limits := make([]int, len(servers)), make([]int, len(servers))
	for i, name := range servers {
		lo, limit := start[name], n
		if hi, bounded := end[name]; bounded && failed[i] == nil {
			if backward {
				lo = max(lo, hi-n)
			}
			limit = min(limit, hi-lo)
		}
		lows[i], limits[i] = lo, limit
	}
	pages, errs := onEach(ctx, servers, func(ctx context.Context, so *serverOp) (upstream.Page[T], error) {
		i := slices.Index(servers, so.name)
		if failed[i] != nil || limits[i] <= 0 {
			return upstream.Page[T]{}, failed[i]
		}
		return fetch(ctx, so, upstream.PageRequest{Offset: lows[i], Limit: limits[i]})
	})
	failed = errs

	// A server whose version lacks the list has none of its items: with
	// others that have it that is no error (a v6 server has no proxy pools).
	lacking := 0
	for i, err := range failed {
		var ve *upstream.VersionError
		if errors.As(err, &ve) {
			lacking++
			if lacking == len(servers) {
				return nil, err
			}
			failed[i], pages[i] = nil, upstream.Page[T]{Total: new(int)}
		}
	}

	var all []fetched[T]
	for i := range pages {
		for j := range pages[i].Items {
			all = append(all, fetched[T]{&pages[i].Items[j], i, lows[i] + j})
		}
	}
	slices.SortStableFunc(all, func(a, b fetched[T]) int {
		if order != nil {
			if c := order(a.item, b.item); c != 0 {
				return c
			}
		}
		return cmp.Or(cmp.Compare(a.server, b.server), cmp.Compare(a.index, b.index))
	})
	from, to := 0, len(all) // the page: the first n, or the last n
	if len(all) > n {
		if backward {
			from = len(all) - n
		} else {
			to = n
		}
	}

	// Each item's cursor: every server's position just after it. A failed
	// server keeps the position the page started from.
	conn := &model.Connection[T]{PageInfo: &model.PageInfo{}}
	pos := map[string]int{}
	for i, s := range servers {
		pos[s] = lows[i]
		if failed[i] != nil && backward {
			pos[s] = end[s]
		}
	}
	before := make([]int, len(servers)) // fetched items of each server left out ahead of the page
	after := make([]int, len(servers))  // and behind it
	for k, f := range all {
		name := servers[f.server]
		pos[name] = f.index + 1
		switch {
		case k < from:
			before[f.server]++
			continue
		case k >= to:
			after[f.server]++
			continue
		}
		cursor := encodeMerged(pos, servers, name)
		conn.Edges = append(conn.Edges, &model.Edge[T]{Cursor: cursor, Node: f.item})
		conn.Nodes = append(conn.Nodes, f.item)
		if k == from {
			conn.PageInfo.StartCursor = &cursor
		}
		conn.PageInfo.EndCursor = &cursor
	}

	// Every server failed: the field fails, each server named once (the
	// last as the field's own error).
	if !slices.ContainsFunc(failed, func(e error) bool { return e == nil }) {
		for i := range servers[:len(servers)-1] {
			graphql.AddError(ctx, &ServerError{Server: servers[i], Err: failed[i]})
		}
		return nil, &ServerError{Server: servers[len(servers)-1], Err: failed[len(servers)-1]}
	}
	total, known := 0, true
	for i := range servers {
		if failed[i] != nil {
			graphql.AddError(ctx, &ServerError{Server: servers[i], Err: failed[i]})
			known = false
			continue
		}
		if after[i] > 0 || pages[i].HasMore && !backward {
			conn.PageInfo.HasNextPage = true
		}
		if before[i] > 0 || lows[i] > start[servers[i]] || !backward && lows[i] > 0 {
			conn.PageInfo.HasPreviousPage = true
		}
		if pages[i].Total == nil {
			known = false
		} else {
			total += *pages[i].Total
		}
	}
	if backward && beforeGiven {
		conn.PageInfo.HasNextPage = true
	}
	if known {
		conn.TotalCount = &total
	}
	return conn, nil
}

// onEach runs fn for each server named, concurrently (at most
// maxServersAtOnce at once across the operation), within the server
// deadline: a server that has not answered by then fails with
// UPSTREAM_TIMEOUT (its call is cut, which its breaker counts), and the
// others' results stand.
func onEach[R any](ctx context.Context, servers []string, fn func(ctx context.Context, so *serverOp) (R, error)) ([]R, []error) {
	op := operation(ctx)
	values, errs := make([]R, len(servers)), make([]error, len(servers))
	parent := ctx
	var cancel context.CancelFunc
	if op.serverTimeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, op.serverTimeout)
	} else {
		ctx, cancel = context.WithCancel(ctx)
	}
	defer cancel()
	type result struct {
		i   int
		v   R
		err error
	}
	results := make(chan result, len(servers))
	slots := op.slots()
	for i, name := range servers {
		go func() {
			select {
			case slots <- struct{}{}:
				defer func() { <-slots }()
			case <-ctx.Done():
				results <- result{i: i, err: ctx.Err()}
				return
			}
			v, err := fn(ctx, op.on(name))
			results <- result{i, v, err}
		}()
	}
	answered := make([]bool, len(servers))
	for range servers {
		select {
		case r := <-results:
			values[r.i], errs[r.i], answered[r.i] = r.v, r.err, true
			continue
		case <-ctx.Done():
		}
		late := error(&upstream.Error{Kind: upstream.KindTimeout, Err: context.DeadlineExceeded,
			Message: fmt.Sprintf("the server did not answer within %v, the time one of several servers may take", op.serverTimeout)})
		if parent.Err() != nil {
			late = parent.Err()
		}
		for i := range servers {
			if !answered[i] {
				errs[i] = late
			}
		}
		break
	}
	return values, errs
}

// named is the operation's part on the server a field names (nil: the
// first configured server).
func named(ctx context.Context, name *string) (*serverOp, error) {
	op := operation(ctx)
	if name == nil {
		return part(ctx, ""), nil
	}
	if !op.has(*name) {
		return nil, graph.BadInput(fmt.Sprintf("no server is named %q", *name))
	}
	return op.on(*name), nil
}
