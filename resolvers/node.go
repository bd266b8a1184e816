package resolvers

import (
	"context"
	"encoding/base64"
	"strings"
	"sync"

	"github.com/99designs/gqlgen/graphql"

	"github.com/vb365-graphql/vb365-graphql/graph"
	"github.com/vb365-graphql/vb365-graphql/graph/model"
	"github.com/vb365-graphql/vb365-graphql/upstream"
)

// Relay's global object identification. An object's nodeId names its type,
// its server and its id (an organization's user, group, site or team: its
// organization's id too), "Job:east:<uuid>", base64url so that clients
// treat it as opaque. Its id field stays the Veeam UUID.

// nodeTypes are the types that implement Node.
var nodeTypes = map[string]bool{"JobSession": true, "Job": true, "CopyJob": true, "Organization": true, "BackupRepository": true,
	"Proxy": true, "ProxyPool": true, "RestoreSession": true, "RestorePoint": true,
	"OrganizationUser": true, "OrganizationGroup": true, "OrganizationSite": true, "OrganizationTeam": true}

// maxNodes bounds nodes(ids:).
const maxNodes = 100

func nodeID(typ, server string, ids ...string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typ + ":" + server + ":" + strings.ToLower(strings.Join(ids, "/"))))
}

// recordID is the id of a record that exists per parent (an object in one
// session, an item in one job): its type, server and parents' ids with its
// own, opaque as a nodeId is, so that a normalising cache keeps each apart.
// node(id:) does not take it.
func recordID(typ, server string, ids ...string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typ + ":" + server + ":" + strings.Join(ids, "/")))
}

// browsedTypes are what a restore session shows of a backup.
var browsedTypes = map[string]bool{"Mailbox": true, "MailFolder": true, "MailItem": true, "RestoreOneDrive": true, "DriveEntry": true,
	"RestoreSite": true, "SiteContainer": true, "SiteEntry": true, "RestoreTeam": true, "TeamChannel": true, "TeamFile": true, "TeamTab": true}

// browsedID is the id of what a restore session shows: every session over
// an organization shows the same site, channel or document (the same id on
// the server), each at its own point in time, with other contents.
func browsedID(typ, server, sessionID, serverID string) string {
	return recordID(typ, server, sessionID, serverID)
}

// serverID is the server's id an input names: a browsed record's own id
// (as a client has it from id) or the server's id itself (objectId).
func serverID(id string) string {
	b, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil {
		return id
	}
	typ, rest, ok := strings.Cut(string(b), ":")
	if !ok || !browsedTypes[typ] {
		return id
	}
	if _, rest, ok = strings.Cut(rest, ":"); !ok { // the server's name (letters, digits, '-')
		return id
	}
	if _, own, ok := strings.Cut(rest, "/"); ok { // after the session's UUID
		return own
	}
	return id
}

// serverIDs is serverID of each.
func serverIDs(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = serverID(id)
	}
	return out
}

// optionalServerID is serverID of an optional argument.
func optionalServerID(id *string) *string {
	if id == nil {
		return nil
	}
	own := serverID(*id)
	return &own
}

// jobItemID: an item's id in Veeam is its type's and its object's, the same
// in every job that names the object.
func jobItemID(item *upstream.JobItem) string {
	which, own := "selected", string(item.Type)
	if item.Excluded {
		which = "excluded"
	}
	switch {
	case item.ItemID != nil:
		own = *item.ItemID
	case item.Object != nil:
		own += "/" + item.Object.ID
	}
	return recordID("JobItem", item.ServerName, item.JobID, which, own)
}

// objectNodeID is the nodeId of an organization's user, group, site or
// team.
func objectNodeID(typ string, o *upstream.OrganizationObject) string {
	return nodeID(typ, o.ServerName, o.OrganizationID, o.ID)
}

// parseNodeID reads a nodeId: the type before the first colon, the ids
// after the last (a server's name may hold colons), each a UUID.
func parseNodeID(id string) (typ, server string, ids []string, err error) {
	bad := graph.BadInput("id is not a nodeId returned by this API")
	b, decodeErr := base64.RawURLEncoding.DecodeString(id)
	if decodeErr != nil {
		return "", "", nil, bad
	}
	s := string(b)
	first, last := strings.Index(s, ":"), strings.LastIndex(s, ":")
	if first <= 0 || last == first {
		return "", "", nil, bad
	}
	typ, server, ids = s[:first], s[first+1:last], strings.Split(s[last+1:], "/")
	for _, id := range ids {
		if upstream.ValidateID(id) != nil {
			return "", "", nil, bad
		}
	}
	return typ, server, ids, nil
}

// nodeOf fetches the object a nodeId names, through the operation's
// loaders.
func nodeOf(ctx context.Context, nodeID string) (model.Node, error) {
	typ, server, ids, err := parseNodeID(nodeID)
	if err != nil {
		return nil, err
	}
	if !nodeTypes[typ] {
		return nil, graph.BadInput("id is not a nodeId returned by this API")
	}
	if !operation(ctx).has(server) {
		return nil, &upstream.Error{Kind: upstream.KindNotFound, Message: "no server of this gateway is named " + server}
	}
	so := operation(ctx).on(server)
	one := func(get func(*serverOp, context.Context, string) (model.Node, error)) (model.Node, error) {
		if len(ids) != 1 {
			return nil, graph.BadInput("id is not a nodeId returned by this API")
		}
		return get(so, ctx, ids[0])
	}
	object := func(kind upstream.ObjectType, as func(*upstream.OrganizationObject) model.Node) (model.Node, error) {
		if len(ids) != 2 {
			return nil, graph.BadInput("id is not a nodeId returned by this API")
		}
		o, err := so.OrganizationObject(ctx, upstream.ObjectRef{OrganizationID: ids[0], Type: kind, ID: ids[1]})
		if o == nil || err != nil {
			return nil, err
		}
		return as(o), nil
	}
	switch typ {
	case "JobSession":
		return one(node((*serverOp).Session))
	case "Job":
		return one(node((*serverOp).Job))
	case "CopyJob":
		return one(node((*serverOp).CopyJob))
	case "Organization":
		return one(node((*serverOp).Organization))
	case "BackupRepository":
		return one(node((*serverOp).Repository))
	case "Proxy":
		return one(node((*serverOp).Proxy))
	case "ProxyPool":
		return one(node((*serverOp).ProxyPool))
	case "RestoreSession":
		return one(node((*serverOp).RestoreSession))
	case "RestorePoint":
		return one(node((*serverOp).RestorePoint))
	case "OrganizationUser":
		return object(upstream.ObjectUser, func(o *upstream.OrganizationObject) model.Node { return asUser(o) })
	case "OrganizationGroup":
		return object(upstream.ObjectGroup, func(o *upstream.OrganizationObject) model.Node { return asGroup(o) })
	case "OrganizationSite":
		return object(upstream.ObjectSite, func(o *upstream.OrganizationObject) model.Node { return asSite(o) })
	case "OrganizationTeam":
		return object(upstream.ObjectTeam, func(o *upstream.OrganizationObject) model.Node { return asTeam(o) })
	}
	panic("resolvers: a Node type without a lookup: " + typ)
}

// node adapts a lookup by id to one that answers a Node, nil (not a nil
// pointer in an interface) where it finds nothing.
func node[V comparable](get func(*serverOp, context.Context, string) (V, error)) func(*serverOp, context.Context, string) (model.Node, error) {
	return func(so *serverOp, ctx context.Context, id string) (model.Node, error) {
		v, err := get(so, ctx, id)
		var none V
		if err != nil || v == none {
			return nil, err
		}
		return v, nil
	}
}

// nodesOf fetches several objects at once (their lookups batch in the
// loaders): each one not found is null, with an error at its index.
func nodesOf(ctx context.Context, ids []string) ([]model.Node, error) {
	if len(ids) > maxNodes {
		return nil, graph.BadInput("ask for at most 100 nodes at once")
	}
	out := make([]model.Node, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := nodeOf(ctx, id)
			if err != nil {
				graphql.AddError(graphql.WithPathContext(ctx, graphql.NewPathWithIndex(i)), err)
			}
			out[i] = n
		}()
	}
	wg.Wait()
	return out, nil
}
