package upstream

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Inside a OneDrive restore session: its OneDrives, their folders and
// documents, paged as the mailboxes are (personal data: the graph serves it
// to the session's owner only).
//
//	/RestoreSessions/{id}/Organization/OneDrives
//	/RestoreSessions/{id}/Organization/OneDrives/{id}/Folders?parentId=
//	/RestoreSessions/{id}/Organization/OneDrives/{id}/Documents?parentId=

// SessionOneDrive is a OneDrive a restore session shows.
type SessionOneDrive struct {
	Origin
	RestoreSessionID string
	ID, Name, URL    string
}

// DriveEntry is a folder or a document of a OneDrive.
type DriveEntry struct {
	Origin
	RestoreSessionID, OneDriveID string
	ID, Name                     string
	IsFolder                     bool
	SizeBytes                    *int64 // documents
	Version                      *string
	CreatedBy, ModifiedBy        *string
	Created, Modified            *time.Time
}

type wireSessionOneDrive struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	URL  string `json:"url"`
}

type wireDriveEntry struct {
	ID               string   `json:"id"`
	Name             string   `json:"name"`
	IsFolder         bool     `json:"isFolder"`
	SizeBytes        *int64   `json:"sizeBytes"`
	Version          *string  `json:"version"`
	CreatedBy        *string  `json:"createdBy"`
	ModifiedBy       *string  `json:"modifiedBy"`
	CreationTime     flexTime `json:"creationTime"`
	ModificationTime flexTime `json:"modificationTime"`
}

func oneDrivesPath(sessionID, oneDriveID, rest string) (string, error) {
	if err := ValidateID(sessionID); err != nil {
		return "", err
	}
	path := "/RestoreSessions/" + url.PathEscape(strings.ToLower(sessionID)) + "/Organization/OneDrives"
	if oneDriveID != "" {
		path += "/" + url.PathEscape(oneDriveID) + rest // a OneDrive's id is the server's opaque string
	}
	return path, nil
}

// SessionOneDrives lists the OneDrives a restore session shows.
func (c *Client) SessionOneDrives(ctx context.Context, s *Scope, sessionID string, p PageRequest) (Page[SessionOneDrive], error) {
	path, err := oneDrivesPath(sessionID, "", "")
	if err != nil {
		return Page[SessionOneDrive]{}, err
	}
	return listPage(ctx, c, s, "GET /RestoreSessions/{id}/organization/OneDrives", path, nil, p, c.has(PagedDirectory),
		func(w *wireSessionOneDrive) SessionOneDrive {
			d := SessionOneDrive{RestoreSessionID: strings.ToLower(sessionID), ID: w.ID, Name: w.Name, URL: w.URL}
			d.stamp(c.opts.Name)
			return d
		}, func([]SessionOneDrive) time.Duration { return c.browseTTL() })
}

// DriveEntries lists a OneDrive's folders (folders) or documents under
// parentID ("": its top).
func (c *Client) DriveEntries(ctx context.Context, s *Scope, sessionID, oneDriveID, parentID string, folders bool, p PageRequest) (Page[DriveEntry], error) {
	which := "/Documents"
	if folders {
		which = "/Folders"
	}
	path, err := oneDrivesPath(sessionID, oneDriveID, which)
	if err != nil {
		return Page[DriveEntry]{}, err
	}
	q := url.Values{}
	if parentID != "" {
		q.Set("parentId", parentID)
	}
	return listPage(ctx, c, s, "GET /RestoreSessions/{id}/organization/OneDrives/{id}"+which, path, q, p, c.has(PagedDirectory),
		c.driveEntryOf(sessionID, oneDriveID, folders), func([]DriveEntry) time.Duration { return c.browseTTL() })
}

// DocumentVersions lists the versions a OneDrive's document was backed up
// in (v6+ .../Documents/{id}/Versions), each a document of its own.
func (c *Client) DocumentVersions(ctx context.Context, s *Scope, sessionID, oneDriveID, documentID string, p PageRequest) (Page[DriveEntry], error) {
	if err := c.require(DocumentVersions); err != nil {
		return Page[DriveEntry]{}, err
	}
	path, err := oneDrivesPath(sessionID, oneDriveID, "/Documents/"+url.PathEscape(documentID)+"/Versions")
	if err != nil {
		return Page[DriveEntry]{}, err
	}
	return listPage(ctx, c, s, "GET /RestoreSessions/{id}/organization/OneDrives/{id}/Documents/{id}/Versions", path, nil, p, true,
		c.driveEntryOf(sessionID, oneDriveID, false), func([]DriveEntry) time.Duration { return c.browseTTL() })
}

func (c *Client) driveEntryOf(sessionID, oneDriveID string, folders bool) func(*wireDriveEntry) DriveEntry {
	return func(w *wireDriveEntry) DriveEntry {
		return DriveEntry{RestoreSessionID: strings.ToLower(sessionID), OneDriveID: oneDriveID, ID: w.ID, Name: w.Name, IsFolder: w.IsFolder || folders,
			SizeBytes: w.SizeBytes, Version: w.Version, CreatedBy: w.CreatedBy, ModifiedBy: w.ModifiedBy,
			Created: w.CreationTime.ptr(), Modified: w.ModificationTime.ptr()}
	}
}

// DocumentsByID finds documents of a OneDrive's folder ("": its top) by
// their ids, as its listing gives them (what the server wants back to act
// on them), in the order of ids: one listing of the folder, which
// browsing it has usually cached already.
func (c *Client) DocumentsByID(ctx context.Context, s *Scope, sessionID, oneDriveID, folderID string, ids []string) ([]DriveEntry, error) {
	all, err := readAll(nil, func(p PageRequest) (Page[DriveEntry], error) {
		return c.DriveEntries(ctx, s, sessionID, oneDriveID, folderID, false, p)
	})
	if err != nil {
		return nil, err
	}
	byID := make(map[string]DriveEntry, len(all))
	for _, d := range all {
		byID[d.ID] = d
	}
	out := make([]DriveEntry, len(ids))
	for i, id := range ids {
		d, ok := byID[id]
		if !ok {
			return nil, &Error{Kind: KindNotFound, Message: "the folder holds no document with the id " + strconv.Quote(id)}
		}
		out[i] = d
	}
	return out, nil
}
