package resolvers

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/vb365-graphql/vb365-graphql/graph"
	"github.com/vb365-graphql/vb365-graphql/graph/model"
	"github.com/vb365-graphql/vb365-graphql/upstream"
)

// MaxPageSize bounds first and last; without either a page has
// defaultPageSize items.
const MaxPageSize = 1000

const (
	defaultPageSize = 30
	cursorPrefix    = "offset:"
	cursorSetPrefix = " set:"
)

// window is what a Relay connection field was asked for.
type window struct {
	first, last   *int
	after, before *string
}

// fetchWindow turns Relay's arguments into one upstream page request on the
// upstream's offset/limit paging. Cursors are opaque to clients: base64 of
// an item's offset. `last` without `before` counts the list first (one
// small call where the upstream tells its total, a walk through the list in
// pages of 10,000 where it does not, as v8 does).
func fetchWindow[T any](w window, fetch func(upstream.PageRequest) (upstream.Page[T], error)) (upstream.Page[T], error) {
	var none upstream.Page[T]
	for _, n := range []*int{w.first, w.last} {
		if n != nil && (*n < 0 || *n > MaxPageSize) {
			return none, graph.BadInput(fmt.Sprintf("a page has at most %d items (first and last from 0 to %[1]d)", MaxPageSize))
		}
	}
	if w.first != nil && w.last != nil {
		return none, graph.BadInput("give first or last, not both")
	}
	start, end := 0, -1 // end is exclusive; -1: the end of the list
	set := ""           // the result set the server keeps for the listing, if it named one
	if w.after != nil && *w.after != "" {
		offset, afterSet, ok := decodeCursor(*w.after)
		if !ok {
			return none, graph.BadInput("after is not a cursor returned by this API")
		}
		start, set = offset+1, afterSet
	}
	if w.before != nil && *w.before != "" {
		offset, beforeSet, ok := decodeCursor(*w.before)
		if !ok {
			return none, graph.BadInput("before is not a cursor returned by this API")
		}
		end = offset
		if set == "" {
			set = beforeSet
		}
	}
	limit := defaultPageSize
	switch {
	case w.first != nil:
		limit = *w.first
	case w.last != nil:
		if end < 0 {
			total, err := count(fetch)
			if err != nil {
				return none, err
			}
			end = total
		}
		start = max(start, end-*w.last)
		limit = *w.last
	}
	if end >= 0 {
		limit = min(limit, end-start)
	}
	beforeGiven := w.before != nil && *w.before != "" // then the item at `before` follows the page
	if limit <= 0 {
		return upstream.Page[T]{Offset: start, HasMore: beforeGiven}, nil
	}
	page, err := fetch(upstream.PageRequest{Offset: start, Limit: limit, SetID: set})
	if end >= 0 && err == nil {
		page.HasMore = start+len(page.Items) < end || beforeGiven
	}
	return page, err
}

// wholePage is page p of a collection the client read whole, keeping what
// keep keeps (nil: every item): the same window on every version, no call.
func wholePage[T any](all []T, keep func(*T) bool, p upstream.PageRequest) upstream.Page[T] {
	kept := all
	if keep != nil {
		kept = nil
		for i := range all {
			if keep(&all[i]) {
				kept = append(kept, all[i])
			}
		}
	}
	total := len(kept)
	lo := min(p.Offset, total)
	hi := min(lo+p.Limit, total)
	return upstream.Page[T]{Items: kept[lo:hi], Offset: lo, Total: &total, HasMore: hi < total}
}

// count returns how many items a listing has.
func count[T any](fetch func(upstream.PageRequest) (upstream.Page[T], error)) (int, error) {
	p, err := fetch(upstream.PageRequest{Limit: 1}) // enough when the upstream tells its total
	if err != nil || p.Total != nil {
		return derefOr(p.Total), err
	}
	n := len(p.Items)
	for more := p.HasMore; more; {
		if p, err = fetch(upstream.PageRequest{Offset: n, Limit: upstream.MaxPageLimit}); err != nil {
			return 0, err
		}
		n += len(p.Items)
		more = p.HasMore && len(p.Items) > 0
	}
	return n, nil
}

func derefOr(n *int) int {
	if n == nil {
		return 0
	}
	return *n
}

// encodeCursor is an item's cursor: its offset and, where the server keeps
// the listing as a result set, that set, which the next page must ask for.
func encodeCursor(offset int, set string) string {
	c := cursorPrefix + strconv.Itoa(offset)
	if set != "" {
		c += cursorSetPrefix + set
	}
	return base64.RawURLEncoding.EncodeToString([]byte(c))
}

// decodeCursor reads a cursor strictly: exactly what encodeCursor writes
// (decimal digits, no sign, no leading zero; a set only as a UUID), and no
// offset past maxOffset, so that arithmetic on it cannot overflow.
func decodeCursor(c string) (offset int, set string, ok bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, "", false
	}
	digits, ok := strings.CutPrefix(string(b), cursorPrefix)
	if !ok {
		return 0, "", false
	}
	digits, set, _ = strings.Cut(digits, cursorSetPrefix)
	if digits == "" || len(digits) > 9 || (digits[0] == '0' && digits != "0") {
		return 0, "", false
	}
	if set != "" && upstream.ValidateID(set) != nil {
		return 0, "", false
	}
	n := 0
	for _, d := range digits {
		if d < '0' || d > '9' {
			return 0, "", false
		}
		n = n*10 + int(d-'0')
	}
	return n, set, true
}

// pageInfo describes a page that starts at offset.
func pageInfo[T any](p upstream.Page[T]) *model.PageInfo {
	info := &model.PageInfo{HasNextPage: p.HasMore, HasPreviousPage: p.Offset > 0}
	if n := len(p.Items); n > 0 {
		start, end := encodeCursor(p.Offset, p.SetID), encodeCursor(p.Offset+n-1, p.SetID)
		info.StartCursor, info.EndCursor = &start, &end
	}
	return info
}

// connection lays a page out as a Relay connection.
func connection[T any](p upstream.Page[T]) *model.Connection[T] {
	c := &model.Connection[T]{Edges: make([]*model.Edge[T], len(p.Items)), Nodes: make([]*T, len(p.Items)),
		PageInfo: pageInfo(p), TotalCount: p.Total}
	for i := range p.Items {
		c.Nodes[i] = &p.Items[i]
		c.Edges[i] = &model.Edge[T]{Cursor: encodeCursor(p.Offset+i, p.SetID), Node: c.Nodes[i]}
	}
	return c
}
