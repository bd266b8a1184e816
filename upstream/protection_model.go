package upstream

import "time"

// What the repositories hold of an organization's objects: each
// repository's backed-up data (/BackupRepositories/{id}/UserData and
// alike), and what of one object is protected over all of them.

// BackupPart is one part of an object in a repository, or over all of
// them: whether it is backed up, and when it last was.
type BackupPart struct {
	BackedUp bool
	Last     *time.Time
}

// merge keeps the latest of two states of the same part.
func (p BackupPart) merge(o BackupPart) BackupPart {
	out := BackupPart{BackedUp: p.BackedUp || o.BackedUp, Last: p.Last}
	if o.Last != nil && (out.Last == nil || o.Last.After(*out.Last)) {
		out.Last = o.Last
	}
	return out
}

// BackupUserData is what a repository holds of a user. It has an id of its
// own; AccountID is the user's id in the organization.
type BackupUserData struct {
	Origin
	ID                                       string
	AccountID                                string
	RepositoryID                             string
	OrganizationID                           *string
	DisplayName                              string
	Email                                    string
	AccountType                              AccountType
	Mailbox, Archive, OneDrive, PersonalSite BackupPart
	ArchiveName                              *string
	OneDriveURLs                             []string
	PersonalSiteURLs                         []string
}

// BackupGroupData is what a repository holds of a group.
type BackupGroupData struct {
	Origin
	ID             string
	AccountID      string
	RepositoryID   string
	OrganizationID *string
	DisplayName    string
	Email          string
	Mailbox, Site  BackupPart
	SiteURLs       []string
}

// BackupSiteData is what a repository holds of a site; its id is the
// site's.
type BackupSiteData struct {
	Origin
	ID             string
	RepositoryID   string
	OrganizationID *string
	Title          string
	URL            string
	LastBackup     *time.Time
}

// BackupTeamData is what a repository holds of a team; its id is the
// team's.
type BackupTeamData struct {
	Origin
	ID             string
	RepositoryID   string
	OrganizationID *string
	DisplayName    string
	LastBackup     *time.Time
}

// BackupOrganizationData is an organization a repository holds data of.
type BackupOrganizationData struct {
	Origin
	RepositoryID   string
	OrganizationID *string
	DisplayName    string
}

// BackedUpOrganization is an organization a repository holds backups of,
// with the space they take.
type BackedUpOrganization struct {
	Origin
	RepositoryID                string
	ID                          string
	Name                        string
	UsedSpaceBytes              *int64
	LocalCacheUsedSpaceBytes    *int64
	ObjectStorageUsedSpaceBytes *int64
}

// Protection is what of one object is backed up over every repository:
// each part the latest any repository holds, and the repositories that hold
// any of it. Which parts apply depends on the object: a user's mailbox,
// archive, OneDrive and personal site; a group's mailbox and site; a site;
// a team.
type Protection struct {
	Origin
	Mailbox, Archive, OneDrive, PersonalSite, Site, Team BackupPart
	RepositoryIDs                                        []string
}

// Last is the latest backup of any part.
func (p *Protection) Last() *time.Time {
	var last BackupPart
	for _, part := range p.parts() {
		last = last.merge(part)
	}
	return last.Last
}

// Protected reports whether any part of the object is backed up.
func (p *Protection) Protected() bool {
	for _, part := range p.parts() {
		if part.BackedUp {
			return true
		}
	}
	return false
}

func (p *Protection) parts() []BackupPart {
	return []BackupPart{p.Mailbox, p.Archive, p.OneDrive, p.PersonalSite, p.Site, p.Team}
}
