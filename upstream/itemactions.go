package upstream

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Acting on a mailbox's items inside an Exchange restore session:
// restoring them where they were or to another mailbox, sending them by
// mail, exporting them to a PST file. Which version does what:
//
//	v3..v5  POST .../mailboxes/{id}/items/Action, the action named in the body:
//	        {"restoretoOriginallocation": {...}}, {"restoreTo": {...}}, {"exportToPst": {...}},
//	        {"sendToDefaultAddress": {...}}, {"sendToDifferentAddress": {...}}
//	v6+     POST .../mailboxes/{id}/items/restore, /restoreTo, /exportToPst,
//	        /sendToDefaultAddress, /sendToDifferentAddress; a device code for the
//	        restore's sign-in at POST /RestoreSessions/{id}/organization/restoreDeviceCode
//	v8      a restore answers at once and runs on: its progress is in the session's events
//
// (v3..v5's names other than restoretoOriginallocation and exportToPst are
// read from v6's paths, which took them over.)

// MailRestore is a restore of a mailbox's items: who signs in to Microsoft
// 365 for it (an account the operator configured, or the code of a device
// sign-in a person completed), and where the items go.
type MailRestore struct {
	Items      []string
	Account    Credentials // or
	DeviceCode string      // the userCode of RestoreDeviceCode, once signed in with
	// Mailbox is another mailbox to restore to, by address ("": the
	// folders the items were in), and Folder a folder in it ("": the
	// server's default, a folder named after the restore).
	Mailbox, Folder string
	MarkUnread      bool
}

func (m MailRestore) options() map[string]any {
	o := map[string]any{"items": itemIDs(m.Items)}
	signIn(o, m.Account, m.DeviceCode)
	if m.Mailbox != "" {
		o["mailbox"], o["changedItems"], o["deletedItems"], o["markRestoredAsUnread"] = m.Mailbox, true, true, m.MarkUnread
		if m.Folder != "" {
			o["folder"] = m.Folder
		}
	}
	return o
}

// ItemsRestored is what a restore of items did. On v8 the restore runs on
// after the answer (RunsOn) and the counts are not known yet.
type ItemsRestored struct {
	Created, Merged, Failed, Skipped int64
	Warnings                         []string
	RunsOn                           bool
}

type wireItemsRestored struct {
	CreatedItemsCount, MergedItemsCount, FailedItemsCount, SkippedItemsCount int64
	// Documents' restores count these instead.
	RestoredItemsCount, SkippedItemsByErrorCount, SkippedItemsByNoChangesCount int64
	Warnings, Exceptions                                                       []string
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
// items.
func (c *Client) itemAction(sessionID, mailboxID, action, legacyName string, options map[string]any) (route, path string, body []byte, err error) {
	base, err := mailboxPath(sessionID, mailboxID, "/items")
	return c.actionOn(base, "/RestoreSessions/{id}/organization/mailboxes/{id}/items", action, legacyName, options, err)
}

// actionOn is the route, path and body of an action on what base holds:
// v6+ name it in the path (base/action), v3..v5 in the body of
// base/Action. routeBase is base as a route template.
func (c *Client) actionOn(base, routeBase, action, legacyName string, options map[string]any, err error) (route, path string, body []byte, _ error) {
	if err != nil {
		return "", "", nil, err
	}
	if c.has(ItemActionEndpoints) {
		body, _ = json.Marshal(options)
		return "POST " + routeBase + "/" + action, base + "/" + action, body, nil
	}
	body, _ = json.Marshal(map[string]any{legacyName: options})
	return "POST " + routeBase + "/Action", base + "/Action", body, nil
}

// signIn is how a restore signs in to Microsoft 365, in the body's words.
func signIn(options map[string]any, account Credentials, deviceCode string) {
	if deviceCode != "" {
		options["userCode"] = deviceCode
	} else {
		options["userName"], options["userPassword"] = account.Username, account.Password
	}
}

// restored reads a restore's answer: its totals (v3..v7), or nothing yet
// on v8, where it runs on.
func (c *Client) restored(route string, r response) (ItemsRestored, error) {
	var w wireItemsRestored
	if len(r.body) > 0 {
		if err := decodeJSON(r.body, &w); err != nil {
			return ItemsRestored{}, decodeError(route, err)
		}
	}
	return ItemsRestored{Created: w.CreatedItemsCount + w.RestoredItemsCount, Merged: w.MergedItemsCount, Failed: w.FailedItemsCount,
		Skipped:  w.SkippedItemsCount + w.SkippedItemsByErrorCount + w.SkippedItemsByNoChangesCount,
		Warnings: append(w.Warnings, w.Exceptions...), RunsOn: c.has(RestoreRunsOn)}, nil
}

// RestoreMailItems restores a mailbox's items where they were, or to
// another mailbox. It is sent once.
func (c *Client) RestoreMailItems(ctx context.Context, s *Scope, sessionID, mailboxID string, m MailRestore) (ItemsRestored, Changed, error) {
	action, legacy := "restore", "restoretoOriginallocation"
	if m.Mailbox != "" {
		action, legacy = "restoreTo", "restoreTo"
	}
	route, path, body, err := c.itemAction(sessionID, mailboxID, action, legacy, m.options())
	return c.restore(ctx, s, route, path, body, m.DeviceCode, "the items", err)
}

// restore sends a restore once (one signed in with a device code needs
// v6+) and reads what it did; the session's events and statistics change.
func (c *Client) restore(ctx context.Context, s *Scope, route, path string, body []byte, deviceCode, object string, err error) (ItemsRestored, Changed, error) {
	if err == nil && deviceCode != "" {
		err = c.require(RestoreDeviceCodes)
	}
	if err != nil {
		return ItemsRestored{}, Changed{}, err
	}
	r, err := c.write(ctx, s, http.MethodPost, route, c.url(path, nil), body)
	defer r.held.release()
	if err != nil {
		return ItemsRestored{}, Changed{Status: r.status}, refused(err, "restore", object)
	}
	c.InvalidateActed(ctx)
	restored, err := c.restored(route, r)
	return restored, Changed{Status: r.status}, err
}

// DocumentRestore is a restore of a OneDrive's documents where they were:
// who signs in for it (as MailRestore), and what becomes of a document
// that is there already.
type DocumentRestore struct {
	Documents  []DriveEntry // as a listing gave them
	Account    Credentials
	DeviceCode string
	Overwrite  bool // replace what is there (false: keep it, and the restored one beside it)
}

// RestoreDocuments restores a OneDrive's documents where they were
// (v6+ .../OneDrives/{id}/Documents/restore; v3..v5 its Documents/Action
// with restoretoOriginallocation). It is sent once.
func (c *Client) RestoreDocuments(ctx context.Context, s *Scope, sessionID, oneDriveID string, d DocumentRestore) (ItemsRestored, Changed, error) {
	options := map[string]any{"documents": wireDocuments(d.Documents), "documentAction": "Keep"}
	if d.Overwrite {
		options["documentAction"] = "Overwrite"
	}
	signIn(options, d.Account, d.DeviceCode)
	base, err := oneDrivesPath(sessionID, oneDriveID, "/Documents")
	route, path, body, err := c.actionOn(base, "/RestoreSessions/{id}/Organization/OneDrives/{id}/Documents", "restore", "restoretoOriginallocation", options, err)
	return c.restore(ctx, s, route, path, body, d.DeviceCode, "the documents", err)
}

// wireDocuments are documents as the server wants them back: as it listed
// them, not by id alone.
func wireDocuments(documents []DriveEntry) []map[string]any {
	out := make([]map[string]any, len(documents))
	for i, d := range documents {
		w := map[string]any{"id": d.ID, "name": d.Name, "sizeBytes": d.SizeBytes, "createdBy": d.CreatedBy, "modifiedBy": d.ModifiedBy}
		if d.Version != nil {
			w["version"] = d.Version
		}
		for k, t := range map[string]*time.Time{"creationTime": d.Created, "modificationTime": d.Modified} {
			if t != nil {
				w[k] = t.UTC().Format(time.RFC3339Nano)
			}
		}
		out[i] = w
	}
	return out
}

// SaveDocuments asks for a OneDrive's documents as one ZIP file, streamed
// (v6+ .../Documents/save; v3..v5 its Documents/Action with save).
func (c *Client) SaveDocuments(ctx context.Context, s *Scope, sessionID, oneDriveID string, documents []DriveEntry) (io.ReadCloser, error) {
	options := map[string]any{"documents": wireDocuments(documents)}
	if !c.has(ItemActionEndpoints) {
		options["asZip"] = true // v3..v5 saved a single document as itself
	}
	base, err := oneDrivesPath(sessionID, oneDriveID, "/Documents")
	route, path, body, err := c.actionOn(base, "/RestoreSessions/{id}/Organization/OneDrives/{id}/Documents", "save", "save", options, err)
	if err != nil {
		return nil, err
	}
	st, err := c.stream(ctx, s, route, c.url(path, nil), body)
	if err != nil {
		return nil, refused(err, "save", "the documents")
	}
	c.InvalidateActed(ctx)
	return st, nil
}

// MailSending is where items are sent: to the mailbox's own address when
// To is empty, else from, to, with the subject and text given.
type MailSending struct {
	Items                   []string
	From, To, Subject, Text string
}

// SendMailItems mails a mailbox's items, as attachments, through the
// server's configured mail settings. It is sent once.
func (c *Client) SendMailItems(ctx context.Context, s *Scope, sessionID, mailboxID string, m MailSending) (Changed, error) {
	action, options := "sendToDefaultAddress", map[string]any{"items": itemIDs(m.Items)}
	if m.To != "" {
		action = "sendToDifferentAddress"
		options["from"], options["to"], options["subject"], options["text"] = m.From, m.To, m.Subject, m.Text
	}
	route, path, body, err := c.itemAction(sessionID, mailboxID, action, action, options)
	if err != nil {
		return Changed{}, err
	}
	r, err := c.write(ctx, s, http.MethodPost, route, c.url(path, nil), body)
	r.held.release()
	if err != nil {
		return Changed{Status: r.status}, refused(err, "send", "the items")
	}
	c.InvalidateActed(ctx)
	return Changed{Status: r.status}, nil
}

// DeviceCode is a code a person enters at Microsoft's verification page to
// sign in for a restore (v6+).
type DeviceCode struct {
	UserCode        string `json:"userCode"`
	VerificationURL string `json:"verificationUrl"`
	ExpiresIn       int64  `json:"expiresIn"` // seconds
	Message         string `json:"message"`
}

// RestoreDeviceCode asks for a device code to restore a session's items
// with: once the person signs in with it, a restore names it instead of an
// account.
func (c *Client) RestoreDeviceCode(ctx context.Context, s *Scope, sessionID string) (*DeviceCode, error) {
	if err := c.require(RestoreDeviceCodes); err != nil {
		return nil, err
	}
	if err := ValidateID(sessionID); err != nil {
		return nil, err
	}
	const route = "POST /RestoreSessions/{id}/organization/restoreDeviceCode"
	path := "/RestoreSessions/" + url.PathEscape(strings.ToLower(sessionID)) + "/organization/restoreDeviceCode"
	r, err := c.write(ctx, s, http.MethodPost, route, c.url(path, nil), []byte(`{}`))
	defer r.held.release()
	if err != nil {
		return nil, refused(err, "ask a device code for", "the restore session")
	}
	var code DeviceCode
	if err := decodeJSON(r.body, &code); err != nil || code.UserCode == "" {
		return nil, decodeError(route, orMissing(err, "userCode"))
	}
	return &code, nil
}

// ExportMailItems asks for a mailbox's items as one PST file, streamed:
// the caller reads and closes it.
func (c *Client) ExportMailItems(ctx context.Context, s *Scope, sessionID, mailboxID string, ids []string) (io.ReadCloser, error) {
	route, path, body, err := c.itemAction(sessionID, mailboxID, "exportToPst", "exportToPst", map[string]any{"items": itemIDs(ids)})
	if err != nil {
		return nil, err
	}
	st, err := c.stream(ctx, s, route, c.url(path, nil), body)
	if err != nil {
		return nil, refused(err, "export", "the items")
	}
	c.InvalidateActed(ctx) // the session's events change
	return st, nil
}
