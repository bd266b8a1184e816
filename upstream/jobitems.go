package upstream

import (
	"context"
	"net/url"
	"strings"
	"time"
)

// What a job protects: its selected and excluded items
// (/Jobs/{id}/SelectedItems and /ExcludedItems), v6+; a bare array on v6
// and v7, pages (with a result set) from v8.

// JobItemType is what a job's item is.
type JobItemType string

// Job item types.
const (
	JobItemUser                JobItemType = "User"
	JobItemGroup               JobItemType = "Group"
	JobItemSite                JobItemType = "Site"
	JobItemTeam                JobItemType = "Team"
	JobItemPartialOrganization JobItemType = "PartialOrganization"
	JobItemPersonalSites       JobItemType = "PersonalSites"
	JobItemOneDriveFolders     JobItemType = "OneDriveFolders"
	JobItemUnknown             JobItemType = "Unknown"
)

// JobItem is one item a job backs up or leaves out, with what of it: its
// object (a user, group, site or team of the job's organization) where it
// names one.
type JobItem struct {
	Origin
	JobID                                                      string
	Excluded                                                   bool    // an item the job leaves out
	ItemID                                                     *string // Veeam's composite id of the item in the job
	Type                                                       JobItemType
	Mailbox, ArchiveMailbox, OneDrive, Sites, Teams, TeamsChat *bool
	Folders                                                    []string
	Object                                                     *OrganizationObject
}

type wireJobItem struct {
	Type           *string                 `json:"type"`
	ID             *string                 `json:"id"`
	Mailbox        *bool                   `json:"mailbox"`
	ArchiveMailbox *bool                   `json:"archiveMailbox"`
	OneDrive       *bool                   `json:"oneDrive"`
	Sites          *bool                   `json:"sites"`
	Teams          *bool                   `json:"teams"`
	TeamsChats     *bool                   `json:"teamsChats"`
	Folders        []string                `json:"folders"`
	User           *wireOrganizationObject `json:"user"`
	Group          *wireOrganizationObject `json:"group"`
	Site           *wireOrganizationObject `json:"site"`
	Team           *wireOrganizationObject `json:"team"`
}

func (w *wireJobItem) model(organizationID string) JobItem {
	t := JobItemUnknown
	if p := optOneOf(w.Type, JobItemUnknown, JobItemUser, JobItemGroup, JobItemSite, JobItemTeam,
		JobItemPartialOrganization, JobItemPersonalSites, JobItemOneDriveFolders); p != nil {
		t = *p
	}
	item := JobItem{ItemID: w.ID, Type: t, Mailbox: w.Mailbox, ArchiveMailbox: w.ArchiveMailbox, OneDrive: w.OneDrive,
		Sites: w.Sites, Teams: w.Teams, TeamsChat: w.TeamsChats, Folders: w.Folders}
	for _, o := range []struct {
		wire *wireOrganizationObject
		kind ObjectType
	}{{w.User, ObjectUser}, {w.Group, ObjectGroup}, {w.Site, ObjectSite}, {w.Team, ObjectTeam}} {
		if o.wire != nil && o.wire.ID != "" && organizationID != "" {
			m := o.wire.model(o.kind, organizationID)
			item.Object = &m
			break
		}
	}
	return item
}

// JobItems lists what a job selects (excluded: what it leaves out), v6+.
// Its objects belong to the job's organization, organizationID.
func (c *Client) JobItems(ctx context.Context, s *Scope, jobID, organizationID string, excluded bool, p PageRequest) (Page[JobItem], error) {
	if err := c.require(JobSelection); err != nil {
		return Page[JobItem]{}, err
	}
	if err := ValidateID(jobID); err != nil {
		return Page[JobItem]{}, err
	}
	which := "SelectedItems"
	if excluded {
		which = "ExcludedItems"
	}
	path := "/Jobs/" + url.PathEscape(strings.ToLower(jobID)) + "/" + which
	return listPage(ctx, c, s, "GET /Jobs/{id}/"+which, path, nil, p, c.has(PagedJobSelection),
		func(w *wireJobItem) JobItem {
			item := w.model(organizationID)
			item.JobID, item.Excluded = jobID, excluded
			item.stamp(c.opts.Name)
			if item.Object != nil {
				item.Object.stamp(c.opts.Name)
			}
			return item
		},
		func([]JobItem) time.Duration { return c.opts.Sharing.ListTTL })
}
