package upstream

import (
	"context"
	"net/url"
	"strings"
	"time"
)

// Inside SharePoint and Teams restore sessions: sites with their libraries,
// lists, folders, documents and list items; teams with their channels and
// the channels' posts, files and tabs. Each is a listing paged as the
// mailboxes are; what they hold is personal data, for the session's owner.
//
//	/RestoreSessions/{id}/Organization/Sites[/{id}/Libraries|Lists|Folders|Documents|Items?parentId=]
//	/RestoreSessions/{id}/organization/teams[/{id}/channels], .../teams/{id}/posts|files?channelId=, .../channels/{id}/tabs (v6+)

// RestoreSite is a SharePoint site a restore session shows.
type RestoreSite struct {
	Origin
	RestoreSessionID string
	ID, Name, URL    string
}

// SiteContainer is a site's document library or list.
type SiteContainer struct {
	Origin
	RestoreSessionID, SiteID string
	ID, Name, URL            string
	Description              *string
	Created                  *time.Time
}

// SiteEntry is a folder, document or list item of a site.
type SiteEntry struct {
	Origin
	RestoreSessionID, SiteID string
	ID, Name                 string
	Title                    *string // list items
	IsFolder                 bool
	SizeBytes                *int64 // documents
	Version                  *string
	CreatedBy, ModifiedBy    *string
	Created, Modified        *time.Time
}

// RestoreTeam is a team a restore session shows.
type RestoreTeam struct {
	Origin
	RestoreSessionID string
	ID, DisplayName  string
	Description      *string
	Email, Privacy   *string
	Archived         bool
}

// TeamChannel is a channel of a team.
type TeamChannel struct {
	Origin
	RestoreSessionID, TeamID string
	ID, DisplayName          string
	Type                     *string // Standard, Private, Shared
}

// TeamPost is a post of a channel, or a reply to one.
type TeamPost struct {
	Origin
	RestoreSessionID, TeamID, ChannelID string
	ID                                  int64
	Subject, Author                     *string
	Created, Modified                   *time.Time
	Important, Deleted                  bool
	ReplyTo                             *int64 // the post it answers
	Attachments                         int
}

// TeamFile is a file of a channel.
type TeamFile struct {
	Origin
	RestoreSessionID, TeamID, ChannelID string
	ID, Name                            string
	SizeBytes                           *int64
	Version                             *string
	Modified                            *time.Time
	ModifiedBy, FileType                *string
}

// TeamTab is a tab of a channel.
type TeamTab struct {
	Origin
	RestoreSessionID, TeamID, ChannelID string
	ID, DisplayName                     string
	ContentURL, Type                    *string
}

type wireSiteContainer struct {
	ID, Name, URL string
	Description   *string
	CreationTime  flexTime
}

type wireSiteEntry struct {
	ID, Name              string
	Title                 *string
	IsFolder              bool
	SizeBytes             *int64
	Version               *string
	CreatedBy, ModifiedBy *string
	CreationTime          flexTime
	ModificationTime      flexTime
}

type wireTeam struct {
	ID, DisplayName         string
	Description, GroupEmail *string
	Privacy                 *string
	IsArchived              bool
}

type wireChannel struct {
	ID, DisplayName string
	Type            *string
}

type wirePost struct {
	PostID                        int64
	Subject, Author               *string
	CreatedTime, LastModifiedTime flexTime
	IsImportant, IsDeleted        bool
	ParentID                      *int64
	Attachments                   []struct{}
}

type wireTeamFile struct {
	ID, Name   string
	SizeBytes  *int64
	UIVersion  *string
	Modified   flexTime
	ModifiedBy *string
	FileType   *string // File or Folder
}

type wireTab struct {
	ID, DisplayName  string
	ContentURL, Type *string
}

// inSession pages one of a restore session's listings, at rest under
// /RestoreSessions/{id}.
func inSession[W, M any](ctx context.Context, c *Client, s *Scope, route, sessionID, rest string, q url.Values, p PageRequest, model func(*W) M) (Page[M], error) {
	if err := ValidateID(sessionID); err != nil {
		return Page[M]{}, err
	}
	path := "/RestoreSessions/" + url.PathEscape(strings.ToLower(sessionID)) + rest
	return listPage(ctx, c, s, route, path, q, p, c.has(PagedDirectory), model, func([]M) time.Duration { return c.browseTTL() })
}

// parentOf is the parentId filter ("": none).
func parentOf(parentID string, q url.Values) url.Values {
	if q == nil {
		q = url.Values{}
	}
	if parentID != "" {
		q.Set("parentId", parentID)
	}
	return q
}

// SessionSites lists the sites a SharePoint restore session shows.
func (c *Client) SessionSites(ctx context.Context, s *Scope, sessionID string, p PageRequest) (Page[RestoreSite], error) {
	return inSession(ctx, c, s, "GET /RestoreSessions/{id}/Organization/Sites", sessionID, "/Organization/Sites", nil, p,
		func(w *wireSessionOneDrive) RestoreSite {
			return RestoreSite{RestoreSessionID: strings.ToLower(sessionID), ID: w.ID, Name: w.Name, URL: w.URL}
		})
}

// SiteContainers lists a site's document libraries, or its lists.
func (c *Client) SiteContainers(ctx context.Context, s *Scope, sessionID, siteID string, lists bool, p PageRequest) (Page[SiteContainer], error) {
	which := "/Libraries"
	if lists {
		which = "/Lists"
	}
	return inSession(ctx, c, s, "GET /RestoreSessions/{id}/Organization/Sites/{id}"+which, sessionID, "/Organization/Sites/"+url.PathEscape(siteID)+which, nil, p,
		func(w *wireSiteContainer) SiteContainer {
			return SiteContainer{RestoreSessionID: strings.ToLower(sessionID), SiteID: siteID, ID: w.ID, Name: w.Name, URL: w.URL,
				Description: w.Description, Created: w.CreationTime.ptr()}
		})
}

// SiteEntryKind is what a site's listing holds.
type SiteEntryKind string

// What a site's listings hold, named as their routes are.
const (
	SiteFolders   SiteEntryKind = "Folders"
	SiteDocuments SiteEntryKind = "Documents"
	SiteItems     SiteEntryKind = "Items"
)

// SiteEntries lists a site's folders, documents or list items under
// parentID ("": its top).
func (c *Client) SiteEntries(ctx context.Context, s *Scope, sessionID, siteID string, kind SiteEntryKind, parentID string, p PageRequest) (Page[SiteEntry], error) {
	which := "/" + string(kind)
	return inSession(ctx, c, s, "GET /RestoreSessions/{id}/Organization/Sites/{id}"+which, sessionID, "/Organization/Sites/"+url.PathEscape(siteID)+which,
		parentOf(parentID, nil), p, func(w *wireSiteEntry) SiteEntry {
			return SiteEntry{RestoreSessionID: strings.ToLower(sessionID), SiteID: siteID, ID: w.ID, Name: w.Name, Title: w.Title,
				IsFolder: w.IsFolder || kind == SiteFolders, SizeBytes: w.SizeBytes, Version: w.Version, CreatedBy: w.CreatedBy,
				ModifiedBy: w.ModifiedBy, Created: w.CreationTime.ptr(), Modified: w.ModificationTime.ptr()}
		})
}

// SessionTeams lists the teams a Teams restore session shows (v6+).
func (c *Client) SessionTeams(ctx context.Context, s *Scope, sessionID string, p PageRequest) (Page[RestoreTeam], error) {
	if err := c.require(TeamsExplore); err != nil {
		return Page[RestoreTeam]{}, err
	}
	return inSession(ctx, c, s, "GET /RestoreSessions/{id}/organization/teams", sessionID, "/organization/teams", nil, p,
		func(w *wireTeam) RestoreTeam {
			return RestoreTeam{RestoreSessionID: strings.ToLower(sessionID), ID: w.ID, DisplayName: w.DisplayName, Description: w.Description,
				Email: w.GroupEmail, Privacy: w.Privacy, Archived: w.IsArchived}
		})
}

func teamPath(teamID, rest string) string {
	return "/organization/teams/" + url.PathEscape(teamID) + rest
}

// TeamChannels lists a team's channels.
func (c *Client) TeamChannels(ctx context.Context, s *Scope, sessionID, teamID string, p PageRequest) (Page[TeamChannel], error) {
	return inSession(ctx, c, s, "GET /RestoreSessions/{id}/organization/teams/{id}/channels", sessionID, teamPath(teamID, "/channels"), nil, p,
		func(w *wireChannel) TeamChannel {
			return TeamChannel{RestoreSessionID: strings.ToLower(sessionID), TeamID: teamID, ID: w.ID, DisplayName: w.DisplayName, Type: w.Type}
		})
}

// TeamPosts lists a channel's posts.
func (c *Client) TeamPosts(ctx context.Context, s *Scope, sessionID, teamID, channelID string, p PageRequest) (Page[TeamPost], error) {
	return inSession(ctx, c, s, "GET /RestoreSessions/{id}/organization/teams/{id}/posts", sessionID, teamPath(teamID, "/posts"),
		url.Values{"channelId": {channelID}}, p, func(w *wirePost) TeamPost {
			return TeamPost{RestoreSessionID: strings.ToLower(sessionID), TeamID: teamID, ChannelID: channelID, ID: w.PostID, Subject: w.Subject,
				Author: w.Author, Created: w.CreatedTime.ptr(), Modified: w.LastModifiedTime.ptr(), Important: w.IsImportant, Deleted: w.IsDeleted,
				ReplyTo: w.ParentID, Attachments: len(w.Attachments)}
		})
}

// TeamFiles lists a channel's files under parentID ("": its top).
func (c *Client) TeamFiles(ctx context.Context, s *Scope, sessionID, teamID, channelID, parentID string, p PageRequest) (Page[TeamFile], error) {
	return inSession(ctx, c, s, "GET /RestoreSessions/{id}/organization/teams/{id}/files", sessionID, teamPath(teamID, "/files"),
		parentOf(parentID, url.Values{"channelId": {channelID}}), p, func(w *wireTeamFile) TeamFile {
			return TeamFile{RestoreSessionID: strings.ToLower(sessionID), TeamID: teamID, ChannelID: channelID, ID: w.ID, Name: w.Name,
				SizeBytes: w.SizeBytes, Version: w.UIVersion, Modified: w.Modified.ptr(), ModifiedBy: w.ModifiedBy, FileType: w.FileType}
		})
}

// TeamTabs lists a channel's tabs.
func (c *Client) TeamTabs(ctx context.Context, s *Scope, sessionID, teamID, channelID string, p PageRequest) (Page[TeamTab], error) {
	return inSession(ctx, c, s, "GET /RestoreSessions/{id}/organization/teams/{id}/channels/{id}/tabs", sessionID,
		teamPath(teamID, "/channels/"+url.PathEscape(channelID)+"/tabs"), nil, p, func(w *wireTab) TeamTab {
			return TeamTab{RestoreSessionID: strings.ToLower(sessionID), TeamID: teamID, ChannelID: channelID, ID: w.ID, DisplayName: w.DisplayName,
				ContentURL: w.ContentURL, Type: w.Type}
		})
}
