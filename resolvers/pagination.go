package resolvers

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/vb365-graphql/vb365-graphql/graph/model"
	"github.com/vb365-graphql/vb365-graphql/upstream"
)

const (
	defaultPageSize = 30
	maxPageSize     = 1000
	cursorPrefix    = "offset:"
)

// pageRequest turns Relay's (first, after) into the upstream's offset/limit.
// Cursors are opaque to clients: base64 of the item's offset.
func pageRequest(first *int, after *string) (upstream.PageRequest, error) {
	p := upstream.PageRequest{Limit: defaultPageSize}
	if first != nil {
		if *first < 0 || *first > maxPageSize {
			return p, badInput(fmt.Sprintf("first must be between 0 and %d", maxPageSize))
		}
		p.Limit = *first
	}
	if after != nil && *after != "" {
		offset, ok := decodeCursor(*after)
		if !ok {
			return p, badInput("after is not a cursor returned by this API")
		}
		p.Offset = offset + 1
	}
	return p, nil
}

func encodeCursor(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.Itoa(offset)))
}

func decodeCursor(c string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimPrefix(string(b), cursorPrefix))
	if err != nil || n < 0 || !strings.HasPrefix(string(b), cursorPrefix) {
		return 0, false
	}
	return n, true
}

// pageInfo describes a page that starts at offset.
func pageInfo[T any](p upstream.Page[T]) *model.PageInfo {
	info := &model.PageInfo{HasNextPage: p.HasMore, HasPreviousPage: p.Offset > 0}
	if n := len(p.Items); n > 0 {
		start, end := encodeCursor(p.Offset), encodeCursor(p.Offset+n-1)
		info.StartCursor, info.EndCursor = &start, &end
	}
	return info
}

// connection lays a page out as Relay edges and nodes.
func connection[T, E any](p upstream.Page[T], edge func(cursor string, node *T) E) ([]E, []*T) {
	edges, nodes := make([]E, len(p.Items)), make([]*T, len(p.Items))
	for i := range p.Items {
		nodes[i] = &p.Items[i]
		edges[i] = edge(encodeCursor(p.Offset+i), nodes[i])
	}
	return edges, nodes
}

func sessionConnection(p upstream.Page[upstream.JobSession]) *model.JobSessionConnection {
	edges, nodes := connection(p, func(c string, n *upstream.JobSession) *model.JobSessionEdge {
		return &model.JobSessionEdge{Cursor: c, Node: n}
	})
	return &model.JobSessionConnection{Edges: edges, Nodes: nodes, PageInfo: pageInfo(p), TotalCount: p.Total}
}

func jobConnection(p upstream.Page[upstream.Job]) *model.JobConnection {
	edges, nodes := connection(p, func(c string, n *upstream.Job) *model.JobEdge {
		return &model.JobEdge{Cursor: c, Node: n}
	})
	return &model.JobConnection{Edges: edges, Nodes: nodes, PageInfo: pageInfo(p), TotalCount: p.Total}
}

func logConnection(p upstream.Page[upstream.LogItem]) *model.LogItemConnection {
	edges, nodes := connection(p, func(c string, n *upstream.LogItem) *model.LogItemEdge {
		return &model.LogItemEdge{Cursor: c, Node: n}
	})
	return &model.LogItemConnection{Edges: edges, Nodes: nodes, PageInfo: pageInfo(p), TotalCount: p.Total}
}
