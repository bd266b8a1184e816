package upstream

import (
	"context"
	"encoding/json"
	"net/http"
)

// Acting on a mailbox's items inside an Exchange restore session: restoring
// them to where they were, exporting them to a PST file. Which version does
// what:
//
//	v3..v5  POST .../mailboxes/{id}/items/Action {"restoretoOriginallocation": {...}} or {"exportToPst": {...}}
//	v6+     POST .../mailboxes/{id}/items/restore {...} and .../items/exportToPst {...}
//	v8      a restore answers at once and runs on: its progress is in the session's events

// ItemsRestored is what a restore of items did. On v8 the restore runs on
// after the answer (RunsOn) and the counts are not known yet.
type ItemsRestored struct {
	Created, Merged, Failed, Skipped int64
	Warnings                         []string
	RunsOn                           bool
}

type wireItemsRestored struct {
	CreatedItemsCount, MergedItemsCount, FailedItemsCount, SkippedItemsCount int64
	Warnings, Exceptions                                                     []string
	SessionID                                                                string `json:"sessionId"` // v8
}

type wireItemID struct {
	ID string `json:"id"`
}

func itemIDs(ids []string) []wireItemID {
	out := make([]wireItemID, len(ids))
	for i, id := range ids {
		out[i] = wireItemID{id} // the server's opaque string: in the body, never a URL
	}
	return out
}

// itemAction is the route, path and body of an action on a mailbox's
// items: v6+ name it in the path, v3..v5 in the body of /Action.
func (c *Client) itemAction(sessionID, mailboxID, action, legacyName string, options map[string]any) (route, path string, body []byte, err error) {
	if c.has(ItemActionEndpoints) {
		path, err = mailboxPath(sessionID, mailboxID, "/items/"+action)
		body, _ = json.Marshal(options)
		return "POST /RestoreSessions/{id}/organization/mailboxes/{id}/items/" + action, path, body, err
	}
	path, err = mailboxPath(sessionID, mailboxID, "/items/Action")
	body, _ = json.Marshal(map[string]any{legacyName: options})
	return "POST /RestoreSessions/{id}/organization/mailboxes/{id}/items/Action", path, body, err
}

// RestoreMailItems restores a mailbox's items to the folders they were in,
// with the account given. It is sent once.
func (c *Client) RestoreMailItems(ctx context.Context, s *Scope, sessionID, mailboxID string, ids []string, account Credentials) (ItemsRestored, Changed, error) {
	options := map[string]any{"userName": account.Username, "userPassword": account.Password, "items": itemIDs(ids)}
	route, path, body, err := c.itemAction(sessionID, mailboxID, "restore", "restoretoOriginallocation", options)
	if err != nil {
		return ItemsRestored{}, Changed{}, err
	}
	r, err := c.write(ctx, s, http.MethodPost, route, c.url(path, nil), body)
	defer r.held.release()
	if err != nil {
		return ItemsRestored{}, Changed{Status: r.status}, refused(err, "restore", "the items")
	}
	c.InvalidateActed(ctx) // the session's events and statistics change
	var w wireItemsRestored
	if len(r.body) > 0 {
		if err := decodeJSON(r.body, &w); err != nil {
			return ItemsRestored{}, Changed{Status: r.status}, decodeError(route, err)
		}
	}
	return ItemsRestored{Created: w.CreatedItemsCount, Merged: w.MergedItemsCount, Failed: w.FailedItemsCount, Skipped: w.SkippedItemsCount,
		Warnings: append(w.Warnings, w.Exceptions...), RunsOn: c.has(RestoreRunsOn)}, Changed{Status: r.status}, nil
}

// ExportMailItems asks for a mailbox's items as one PST file, streamed:
// the caller reads and closes it.
func (c *Client) ExportMailItems(ctx context.Context, s *Scope, sessionID, mailboxID string, ids []string) (*Stream, error) {
	route, path, body, err := c.itemAction(sessionID, mailboxID, "exportToPst", "exportToPst", map[string]any{"items": itemIDs(ids)})
	if err != nil {
		return nil, err
	}
	st, err := c.stream(ctx, s, route, c.url(path, nil), body)
	return st, refused(err, "export", "the items")
}
