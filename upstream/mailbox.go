package upstream

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"time"
)

// Inside an Exchange restore session: its mailboxes, their folders, the
// items of a folder. Every version answers at the same paths, pages from
// v5 (with a result set from v6) as the directory does. What these hold is
// personal data: the graph serves it to the session's owner only.
//
//	/RestoreSessions/{id}/organization/mailboxes
//	/RestoreSessions/{id}/organization/mailboxes/{id}/folders?parentId=
//	/RestoreSessions/{id}/organization/mailboxes/{id}/items?folderId=

// Mailbox is a mailbox a restore session shows.
type Mailbox struct {
	Origin
	RestoreSessionID  string
	ID, Name, Email   string
	IsArchive, Public bool
}

// MailFolder is a folder of a mailbox.
type MailFolder struct {
	Origin
	RestoreSessionID, MailboxID string
	ID, Name                    string
	Category                    *string // Inbox, Sent, Deleted, ...; None for a folder of one's own
}

// MailItem is an item of a folder: a message, an appointment, a contact...
type MailItem struct {
	Origin
	RestoreSessionID, MailboxID string
	ID                          string
	ItemClass                   *string // IPM.Note, IPM.Appointment, ...
	Subject, From, To           *string
	Sent, Received              *time.Time
	Importance                  *string
	Attachments                 int
}

type wireMailbox struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Email     string `json:"email"`
	IsArchive bool   `json:"isArchive"`
	IsPublic  bool   `json:"isPublic"`
}

type wireMailFolder struct {
	ID       string  `json:"id"`
	Name     string  `json:"name"`
	Category *string `json:"category"`
}

type wireMailItem struct {
	ID          string     `json:"id"`
	ItemClass   *string    `json:"itemClass"`
	Subject     *string    `json:"subject"`
	From        *string    `json:"from"`
	To          *string    `json:"to"`
	Sent        flexTime   `json:"sent"`
	Received    flexTime   `json:"received"`
	Importance  *string    `json:"importance"`
	Attachments []struct{} `json:"attachments"`
}

func mailboxPath(sessionID, mailboxID, rest string) (string, error) {
	for _, id := range []string{sessionID, mailboxID} {
		if id == "" {
			continue
		}
		if err := ValidateID(id); err != nil {
			return "", err
		}
	}
	path := "/RestoreSessions/" + url.PathEscape(strings.ToLower(sessionID)) + "/organization/mailboxes"
	if mailboxID != "" {
		path += "/" + url.PathEscape(strings.ToLower(mailboxID)) + rest
	}
	return path, nil
}

// browseTTL: what a restore session shows does not change while it is
// open, but it is personal data: kept briefly.
func (c *Client) browseTTL() time.Duration { return c.opts.Sharing.ListTTL }

// Mailboxes lists the mailboxes a restore session shows.
func (c *Client) Mailboxes(ctx context.Context, s *Scope, sessionID string, p PageRequest) (Page[Mailbox], error) {
	path, err := mailboxPath(sessionID, "", "")
	if err != nil {
		return Page[Mailbox]{}, err
	}
	return listPage(ctx, c, s, "GET /RestoreSessions/{id}/organization/mailboxes", path, nil, p, c.has(PagedDirectory),
		c.mailboxOf(sessionID), func([]Mailbox) time.Duration { return c.browseTTL() })
}

// MailboxByID reads one mailbox a restore session shows.
func (c *Client) MailboxByID(ctx context.Context, s *Scope, sessionID, mailboxID string) (*Mailbox, error) {
	path, err := mailboxPath(sessionID, mailboxID, "")
	if err != nil {
		return nil, err
	}
	req := request{route: "GET /RestoreSessions/{id}/organization/mailboxes/{id}", target: c.url(path, nil)}
	return getItem(ctx, c, s, req, c.mailboxOf(sessionID), func(m *Mailbox) string { return m.ID }, func(*Mailbox) time.Duration { return c.browseTTL() })
}

func (c *Client) mailboxOf(sessionID string) func(*wireMailbox) Mailbox {
	return func(w *wireMailbox) Mailbox {
		m := Mailbox{RestoreSessionID: strings.ToLower(sessionID), ID: strings.ToLower(w.ID), Name: w.Name, Email: w.Email, IsArchive: w.IsArchive, Public: w.IsPublic}
		m.stamp(c.opts.Name)
		return m
	}
}

// MailFolders lists a mailbox's folders under parentID ("": its top).
func (c *Client) MailFolders(ctx context.Context, s *Scope, sessionID, mailboxID, parentID string, p PageRequest) (Page[MailFolder], error) {
	path, err := mailboxPath(sessionID, mailboxID, "/folders")
	if err != nil {
		return Page[MailFolder]{}, err
	}
	q := url.Values{}
	if parentID != "" {
		q.Set("parentId", parentID) // a folder id is the server's opaque string
	}
	return listPage(ctx, c, s, "GET /RestoreSessions/{id}/organization/mailboxes/{id}/folders", path, q, p, c.has(PagedDirectory),
		func(w *wireMailFolder) MailFolder {
			f := MailFolder{RestoreSessionID: strings.ToLower(sessionID), MailboxID: strings.ToLower(mailboxID), ID: w.ID, Name: w.Name, Category: w.Category}
			f.stamp(c.opts.Name)
			return f
		}, func([]MailFolder) time.Duration { return c.browseTTL() })
}

// SearchMailItems lists a mailbox's items (those of folderID, if not "")
// that match query, in Veeam's item search syntax (`subject:invoice`,
// `from:anna`, free words): POST .../mailboxes/{id}[/folders/{id}]/search,
// paged as listings are (v6+).
func (c *Client) SearchMailItems(ctx context.Context, s *Scope, sessionID, mailboxID, folderID, query string, p PageRequest) (Page[MailItem], error) {
	if err := c.require(MailSearch); err != nil {
		return Page[MailItem]{}, err
	}
	rest, route := "/search", "POST /RestoreSessions/{id}/organization/mailboxes/{id}/search"
	if folderID != "" {
		rest, route = "/folders/"+url.PathEscape(folderID)+"/search", "POST /RestoreSessions/{id}/organization/mailboxes/{id}/folders/{id}/search"
	}
	path, err := mailboxPath(sessionID, mailboxID, rest)
	if err != nil {
		return Page[MailItem]{}, err
	}
	payload, _ := json.Marshal(map[string]string{"query": query})
	return readPage(ctx, c, s, request{route: route, payload: payload}, path, nil, p, true, c.mailItemOf(sessionID, mailboxID),
		func([]MailItem) time.Duration { return c.browseTTL() })
}

// MailItems lists the items of a mailbox's folder.
func (c *Client) MailItems(ctx context.Context, s *Scope, sessionID, mailboxID, folderID string, p PageRequest) (Page[MailItem], error) {
	path, err := mailboxPath(sessionID, mailboxID, "/items")
	if err != nil {
		return Page[MailItem]{}, err
	}
	q := url.Values{}
	if folderID != "" {
		q.Set("folderId", folderID)
	}
	return listPage(ctx, c, s, "GET /RestoreSessions/{id}/organization/mailboxes/{id}/items", path, q, p, c.has(PagedDirectory),
		c.mailItemOf(sessionID, mailboxID), func([]MailItem) time.Duration { return c.browseTTL() })
}

func (c *Client) mailItemOf(sessionID, mailboxID string) func(*wireMailItem) MailItem {
	return func(w *wireMailItem) MailItem {
		it := MailItem{RestoreSessionID: strings.ToLower(sessionID), MailboxID: strings.ToLower(mailboxID), ID: w.ID, ItemClass: w.ItemClass,
			Subject: w.Subject, From: w.From, To: w.To, Sent: w.Sent.ptr(), Received: w.Received.ptr(), Importance: w.Importance, Attachments: len(w.Attachments)}
		it.stamp(c.opts.Name)
		return it
	}
}
