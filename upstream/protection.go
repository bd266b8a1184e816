package upstream

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// What the repositories hold. Every version serves each repository's
// backed-up data (pages from v5):
//
//	/BackupRepositories/{id}/UserData|GroupData|SiteData|TeamData|OrganizationData
//	/BackupRepositories/{id}/backedupOrganizations
//
// No endpoint answers "what of this user is protected": that is read from
// every repository's data of the kind, once per operation, and merged here.

// backupData is a kind of a repository's backed-up data.
type backupData[W, M any] struct {
	path  string // "UserData"
	model func(w *W, repositoryID string) M
}

var (
	userData             = backupData[wireBackupUserData, BackupUserData]{"UserData", (*wireBackupUserData).model}
	groupData            = backupData[wireBackupGroupData, BackupGroupData]{"GroupData", (*wireBackupGroupData).model}
	siteData             = backupData[wireBackupSiteData, BackupSiteData]{"SiteData", (*wireBackupSiteData).model}
	teamData             = backupData[wireBackupTeamData, BackupTeamData]{"TeamData", (*wireBackupTeamData).model}
	organizationData     = backupData[wireBackupOrganizationData, BackupOrganizationData]{"OrganizationData", (*wireBackupOrganizationData).model}
	backedUpOrganization = backupData[wireBackedUpOrganization, BackedUpOrganization]{"backedupOrganizations", (*wireBackedUpOrganization).model}
)

// repositoryData reads one page of a repository's data of a kind.
func repositoryData[W, M any](ctx context.Context, c *Client, s *Scope, kind backupData[W, M], repositoryID string, p PageRequest) (Page[M], error) {
	if err := ValidateID(repositoryID); err != nil {
		return Page[M]{}, err
	}
	path := "/BackupRepositories/" + url.PathEscape(strings.ToLower(repositoryID)) + "/" + kind.path
	return listPage(ctx, c, s, "GET /BackupRepositories/{id}/"+kind.path, path, nil, p, c.has(PagedDirectory),
		func(w *W) M { return kind.model(w, repositoryID) },
		func([]M) time.Duration { return c.opts.Sharing.RepositoryTTL })
}

// UserData lists what a repository holds of users.
func (c *Client) UserData(ctx context.Context, s *Scope, repositoryID string, p PageRequest) (Page[BackupUserData], error) {
	return repositoryData(ctx, c, s, userData, repositoryID, p)
}

// GroupData lists what a repository holds of groups.
func (c *Client) GroupData(ctx context.Context, s *Scope, repositoryID string, p PageRequest) (Page[BackupGroupData], error) {
	return repositoryData(ctx, c, s, groupData, repositoryID, p)
}

// SiteData lists what a repository holds of sites.
func (c *Client) SiteData(ctx context.Context, s *Scope, repositoryID string, p PageRequest) (Page[BackupSiteData], error) {
	return repositoryData(ctx, c, s, siteData, repositoryID, p)
}

// TeamData lists what a repository holds of teams.
func (c *Client) TeamData(ctx context.Context, s *Scope, repositoryID string, p PageRequest) (Page[BackupTeamData], error) {
	return repositoryData(ctx, c, s, teamData, repositoryID, p)
}

// OrganizationData lists the organizations a repository holds data of.
func (c *Client) OrganizationData(ctx context.Context, s *Scope, repositoryID string, p PageRequest) (Page[BackupOrganizationData], error) {
	return repositoryData(ctx, c, s, organizationData, repositoryID, p)
}

// BackedUpOrganizations lists the organizations a repository holds backups
// of, with the space they take.
func (c *Client) BackedUpOrganizations(ctx context.Context, s *Scope, repositoryID string, p PageRequest) (Page[BackedUpOrganization], error) {
	return repositoryData(ctx, c, s, backedUpOrganization, repositoryID, p)
}

// Protections is what of each of an organization's objects of a kind is
// protected, by the object's id (lower case); an object no repository holds
// is not there. Every repository's data of the kind is read whole, once per
// scope and repository, concurrently: 1 + (number of repositories) calls,
// however many objects are asked about. A repository that cannot be read
// fails it all: a protection that leaves one out could say "not protected"
// of what is.
func (c *Client) Protections(ctx context.Context, s *Scope, organizationID string, kind ObjectType) (map[string]*Protection, error) {
	if err := ValidateID(organizationID); err != nil {
		return nil, err
	}
	org := strings.ToLower(organizationID)
	index, err := s.once("protections "+string(kind)+" "+org, func() (any, error) { return c.protections(ctx, s, org, kind) })
	if err != nil {
		return nil, err
	}
	return index.(map[string]*Protection), nil
}

func (c *Client) protections(ctx context.Context, s *Scope, org string, kind ObjectType) (map[string]*Protection, error) {
	repos, err := c.BackupRepositories(ctx, s)
	if err != nil {
		return nil, err
	}
	type held struct {
		id   string
		org  *string
		part Protection
	}
	read := func(repositoryID string) ([]held, error) {
		var out []held
		var err error
		switch kind {
		case ObjectUser:
			err = eachWhole(ctx, c, s, userData, repositoryID, func(d *BackupUserData) {
				out = append(out, held{d.AccountID, d.OrganizationID, Protection{Mailbox: d.Mailbox, Archive: d.Archive, OneDrive: d.OneDrive, PersonalSite: d.PersonalSite}})
			})
		case ObjectGroup:
			err = eachWhole(ctx, c, s, groupData, repositoryID, func(d *BackupGroupData) {
				out = append(out, held{d.AccountID, d.OrganizationID, Protection{Mailbox: d.Mailbox, Site: d.Site}})
			})
		case ObjectSite:
			err = eachWhole(ctx, c, s, siteData, repositoryID, func(d *BackupSiteData) {
				out = append(out, held{d.ID, d.OrganizationID, Protection{Site: BackupPart{d.LastBackup != nil, d.LastBackup}}})
			})
		case ObjectTeam:
			err = eachWhole(ctx, c, s, teamData, repositoryID, func(d *BackupTeamData) {
				out = append(out, held{d.ID, d.OrganizationID, Protection{Team: BackupPart{d.LastBackup != nil, d.LastBackup}}})
			})
		}
		return out, err
	}
	helds, errs := fanOut(ctx, s, len(repos), func(i int) ([]held, error) { return read(repos[i].ID) })
	out := map[string]*Protection{}
	for i, r := range repos {
		if errs[i] != nil {
			return nil, fmt.Errorf("the data of repository %q: %w", r.Name, errs[i])
		}
		for _, h := range helds[i] {
			if h.org != nil && *h.org != org {
				continue
			}
			p := out[h.id]
			if p == nil {
				p = &Protection{Origin: Origin{ServerName: c.opts.Name}}
				out[h.id] = p
			}
			p.Mailbox, p.Archive = p.Mailbox.merge(h.part.Mailbox), p.Archive.merge(h.part.Archive)
			p.OneDrive, p.PersonalSite = p.OneDrive.merge(h.part.OneDrive), p.PersonalSite.merge(h.part.PersonalSite)
			p.Site, p.Team = p.Site.merge(h.part.Site), p.Team.merge(h.part.Team)
			if h.part.Protected() && !slices.Contains(p.RepositoryIDs, strings.ToLower(r.ID)) {
				p.RepositoryIDs = append(p.RepositoryIDs, strings.ToLower(r.ID))
			}
		}
	}
	return out, nil
}

// eachWhole reads a repository's data of a kind whole, once per scope, and
// calls each for every item.
func eachWhole[W, M any](ctx context.Context, c *Client, s *Scope, kind backupData[W, M], repositoryID string, each func(*M)) error {
	all, err := s.once("whole "+kind.path+" "+strings.ToLower(repositoryID), func() (any, error) {
		return readAll(nil, func(p PageRequest) (Page[M], error) { return repositoryData(ctx, c, s, kind, repositoryID, p) })
	})
	if err != nil {
		return err
	}
	items := all.([]M)
	for i := range items {
		each(&items[i])
	}
	return nil
}
