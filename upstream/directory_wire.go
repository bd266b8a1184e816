package upstream

import "strings"

// Decoding the directory and the backed-up data, whatever the version.

// wireOrganizationObject reads users, groups, sites and teams alike.
type wireOrganizationObject struct {
	ID           string  `json:"id"`
	DisplayName  *string `json:"displayName"`
	Name         *string `json:"name"`
	Title        *string `json:"title"`
	URL          *string `json:"url"`
	Mail         *string `json:"mail"`
	Type         *string `json:"type"`
	LocationType *string `json:"locationType"`
	Office       *string `json:"office"`
	ManagedBy    *string `json:"managedBy"`
	Site         *string `json:"site"`
	ParentURL    *string `json:"parentUrl"`
	IsCloud      *bool   `json:"isCloud"`
	IsPersonal   *bool   `json:"isPersonal"`
	IsAvailable  *bool   `json:"isAvailable"`
	Description  *string `json:"description"`
}

func (w *wireOrganizationObject) model(t ObjectType, organizationID string) OrganizationObject {
	o := OrganizationObject{ID: w.ID, OrganizationID: strings.ToLower(organizationID), Type: t}
	switch t {
	case ObjectUser:
		o.DisplayName, o.Address = deref(w.DisplayName), w.Name
		o.AccountType = optOneOf(w.Type, AccountUnknown, AccountUser, AccountShared, AccountPublic)
		o.Location = optOneOf(w.LocationType, LocationUnknown, LocationCloud, LocationOnPremises, LocationHybrid)
		o.Office = w.Office
	case ObjectGroup:
		o.DisplayName, o.Address = deref(w.DisplayName), w.Name
		o.GroupType = optOneOf(w.Type, GroupTypeUnknown, GroupOffice365, GroupSecurity, GroupDistribution, GroupDynamicDistribution)
		o.Location = optOneOf(w.LocationType, LocationUnknown, LocationCloud, LocationOnPremises, LocationHybrid)
		o.ManagedBy, o.GroupSite = nonEmpty(w.ManagedBy), nonEmpty(w.Site)
	case ObjectSite:
		o.DisplayName, o.Address = deref(w.Title), w.URL
		o.ParentURL, o.IsCloud, o.IsPersonal, o.IsAvailable = nonEmpty(w.ParentURL), w.IsCloud, w.IsPersonal, w.IsAvailable
	case ObjectTeam:
		o.DisplayName, o.Address = deref(w.DisplayName), w.Mail
		o.Description = nonEmpty(w.Description)
	}
	return o
}

type wireGroupMember struct {
	Name    string    `json:"name"`
	Login   string    `json:"login"`
	Type    string    `json:"type"`
	IsCloud bool      `json:"isCloud"`
	Links   wireLinks `json:"_links"`
}

func (w *wireGroupMember) model(organizationID, groupID string) GroupMember {
	m := GroupMember{OrganizationID: strings.ToLower(organizationID), GroupID: strings.ToLower(groupID),
		Type: oneOf(w.Type, MemberUnknown, MemberUser, MemberGroup), Name: w.Name, Login: w.Login, IsCloud: w.IsCloud}
	// The member itself is linked under the organization: .../Users/{id}.
	for _, rel := range []string{"user", "group", "self"} {
		if id, ok := objectLinkID(w.Links[rel].Href); ok {
			m.ID = &id
			break
		}
	}
	return m
}

// objectLinkID reads the object's id from a link to an organization's
// object: /Organizations/{id}/Users/{id}.
func objectLinkID(href string) (string, bool) {
	l, ok := parseLink(href)
	if !ok || l.Resource != "organizations" {
		return "", false
	}
	parts := strings.Split(strings.Trim(href, "/"), "/")
	if len(parts) < 2 {
		return "", false
	}
	id := strings.ToLower(parts[len(parts)-1])
	if ValidateID(id) != nil || id == l.ID {
		return "", false
	}
	return id, true
}

type wireOneDrive struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	URL  string `json:"url"`
}

func (w *wireOneDrive) model() OneDrive { return OneDrive{ID: w.ID, Name: w.Name, URL: w.URL} }

// wireBackupUserData reads a repository's user data: v3..v6 leave out the
// repository; accountType says "SharedMailbox" where the directory says
// "Shared".
type wireBackupUserData struct {
	ID                       string   `json:"id"`
	AccountID                string   `json:"accountId"`
	RepositoryID             *string  `json:"repositoryId"`
	OrganizationID           *string  `json:"organizationId"`
	DisplayName              string   `json:"displayName"`
	Email                    string   `json:"email"`
	AccountType              string   `json:"accountType"`
	IsMailboxBackedUp        bool     `json:"isMailboxBackedUp"`
	IsArchiveBackedUp        bool     `json:"isArchiveBackedUp"`
	IsOneDriveBackedUp       bool     `json:"isOneDriveBackedUp"`
	IsPersonalSiteBackedUp   bool     `json:"isPersonalSiteBackedUp"`
	MailboxBackedUpTime      flexTime `json:"mailboxBackedUpTime"`
	ArchiveBackedUpTime      flexTime `json:"archiveBackedUpTime"`
	OneDriveBackedUpTime     flexTime `json:"oneDriveBackedUpTime"`
	PersonalSiteBackedUpTime flexTime `json:"personalSiteBackedUpTime"`
	ArchiveName              *string  `json:"archiveName"`
	OneDriveURL              []string `json:"oneDriveUrl"`
	PersonalSiteURL          []string `json:"personalSiteUrl"`
}

var accountTypes = map[string]AccountType{"user": AccountUser, "sharedmailbox": AccountShared, "publicmailbox": AccountPublic}

func (w *wireBackupUserData) model(repositoryID string) BackupUserData {
	t, ok := accountTypes[strings.ToLower(w.AccountType)]
	if !ok {
		t = AccountUnknown
	}
	return BackupUserData{ID: w.ID, AccountID: strings.ToLower(w.AccountID), RepositoryID: orRepository(w.RepositoryID, repositoryID),
		OrganizationID: lowerOrNil(w.OrganizationID), DisplayName: w.DisplayName, Email: w.Email, AccountType: t,
		Mailbox:      BackupPart{w.IsMailboxBackedUp, w.MailboxBackedUpTime.ptr()},
		Archive:      BackupPart{w.IsArchiveBackedUp, w.ArchiveBackedUpTime.ptr()},
		OneDrive:     BackupPart{w.IsOneDriveBackedUp, w.OneDriveBackedUpTime.ptr()},
		PersonalSite: BackupPart{w.IsPersonalSiteBackedUp, w.PersonalSiteBackedUpTime.ptr()},
		ArchiveName:  nonEmpty(w.ArchiveName), OneDriveURLs: w.OneDriveURL, PersonalSiteURLs: w.PersonalSiteURL}
}

type wireBackupGroupData struct {
	ID                  string   `json:"id"`
	AccountID           string   `json:"accountId"`
	RepositoryID        *string  `json:"repositoryId"`
	OrganizationID      *string  `json:"organizationId"`
	DisplayName         string   `json:"displayName"`
	Email               string   `json:"email"`
	IsMailboxBackedUp   bool     `json:"isMailboxBackedUp"`
	IsSiteBackedUp      bool     `json:"isSiteBackedUp"`
	MailboxBackedUpTime flexTime `json:"mailboxBackedUpTime"`
	SiteBackedUpTime    flexTime `json:"siteBackedUpTime"`
	GroupSiteURL        []string `json:"groupSiteUrl"`
}

func (w *wireBackupGroupData) model(repositoryID string) BackupGroupData {
	return BackupGroupData{ID: w.ID, AccountID: strings.ToLower(w.AccountID), RepositoryID: orRepository(w.RepositoryID, repositoryID),
		OrganizationID: lowerOrNil(w.OrganizationID), DisplayName: w.DisplayName, Email: w.Email,
		Mailbox: BackupPart{w.IsMailboxBackedUp, w.MailboxBackedUpTime.ptr()},
		Site:    BackupPart{w.IsSiteBackedUp, w.SiteBackedUpTime.ptr()}, SiteURLs: w.GroupSiteURL}
}

// wireBackupSiteData and wireBackupTeamData say no more than when: an item
// with a time is backed up.
type wireBackupSiteData struct {
	ID             string   `json:"id"`
	RepositoryID   *string  `json:"repositoryId"`
	OrganizationID *string  `json:"organizationId"`
	Title          string   `json:"title"`
	URL            string   `json:"url"`
	BackedUpTime   flexTime `json:"backedUpTime"`
}

func (w *wireBackupSiteData) model(repositoryID string) BackupSiteData {
	return BackupSiteData{ID: strings.ToLower(w.ID), RepositoryID: orRepository(w.RepositoryID, repositoryID),
		OrganizationID: lowerOrNil(w.OrganizationID), Title: w.Title, URL: w.URL, LastBackup: w.BackedUpTime.ptr()}
}

type wireBackupTeamData struct {
	ID             string   `json:"id"`
	RepositoryID   *string  `json:"repositoryId"`
	OrganizationID *string  `json:"organizationId"`
	DisplayName    string   `json:"displayName"`
	BackedUpTime   flexTime `json:"backedUpTime"`
}

func (w *wireBackupTeamData) model(repositoryID string) BackupTeamData {
	return BackupTeamData{ID: strings.ToLower(w.ID), RepositoryID: orRepository(w.RepositoryID, repositoryID),
		OrganizationID: lowerOrNil(w.OrganizationID), DisplayName: w.DisplayName, LastBackup: w.BackedUpTime.ptr()}
}

type wireBackupOrganizationData struct {
	OrganizationID *string `json:"organizationId"`
	DisplayName    string  `json:"displayName"`
}

func (w *wireBackupOrganizationData) model(repositoryID string) BackupOrganizationData {
	return BackupOrganizationData{RepositoryID: strings.ToLower(repositoryID), OrganizationID: lowerOrNil(w.OrganizationID), DisplayName: w.DisplayName}
}

type wireBackedUpOrganization struct {
	ID                          string    `json:"id"`
	Name                        string    `json:"name"`
	UsedSpaceBytes              flexInt64 `json:"usedSpaceBytes"`
	LocalCacheUsedSpaceBytes    flexInt64 `json:"localCacheUsedSpaceBytes"`
	ObjectStorageUsedSpaceBytes flexInt64 `json:"objectStorageUsedSpaceBytes"`
}

func (w *wireBackedUpOrganization) model(repositoryID string) BackedUpOrganization {
	return BackedUpOrganization{RepositoryID: strings.ToLower(repositoryID), ID: strings.ToLower(w.ID), Name: w.Name,
		UsedSpaceBytes: w.UsedSpaceBytes.int64Ptr(), LocalCacheUsedSpaceBytes: w.LocalCacheUsedSpaceBytes.int64Ptr(),
		ObjectStorageUsedSpaceBytes: w.ObjectStorageUsedSpaceBytes.int64Ptr()}
}

// orRepository is the repository an item names, else the one asked (v3..v6
// name none).
func orRepository(named *string, asked string) string {
	if named != nil && *named != "" {
		return strings.ToLower(*named)
	}
	return strings.ToLower(asked)
}

// lowerOrNil is an id in lower case; nil for none (v6 sends "").
func lowerOrNil(id *string) *string {
	if id == nil || *id == "" {
		return nil
	}
	l := strings.ToLower(*id)
	return &l
}
