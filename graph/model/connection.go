package model

import "github.com/vb365-graphql/vb365-graphql/upstream"

// Connection is every Relay connection of the schema: one page of T. The
// schema's XxxConnection and XxxEdge types bind to the aliases below.
type Connection[T any] struct {
	Edges      []*Edge[T] `json:"edges"`
	Nodes      []*T       `json:"nodes"`
	PageInfo   *PageInfo  `json:"pageInfo"`
	TotalCount *int       `json:"totalCount,omitempty"`
}

// Edge is one node of a connection with its cursor.
type Edge[T any] struct {
	Cursor string `json:"cursor"`
	Node   *T     `json:"node"`
}

type (
	JobSessionEdge             = Edge[JobSession]
	JobConnection              = Connection[Job]
	JobEdge                    = Edge[Job]
	RestoreOneDriveConnection  = Connection[upstream.SessionOneDrive]
	RestoreOneDriveEdge        = Edge[upstream.SessionOneDrive]
	DriveEntryConnection       = Connection[upstream.DriveEntry]
	DriveEntryEdge             = Edge[upstream.DriveEntry]
	MailboxConnection          = Connection[upstream.Mailbox]
	MailboxEdge                = Edge[upstream.Mailbox]
	MailFolderConnection       = Connection[upstream.MailFolder]
	MailFolderEdge             = Edge[upstream.MailFolder]
	MailItemConnection         = Connection[upstream.MailItem]
	RestoreSiteConnection      = Connection[upstream.RestoreSite]
	RestoreSiteEdge            = Edge[upstream.RestoreSite]
	SiteContainerConnection    = Connection[upstream.SiteContainer]
	SiteContainerEdge          = Edge[upstream.SiteContainer]
	SiteEntryConnection        = Connection[upstream.SiteEntry]
	SiteEntryEdge              = Edge[upstream.SiteEntry]
	RestoreTeamConnection      = Connection[upstream.RestoreTeam]
	RestoreTeamEdge            = Edge[upstream.RestoreTeam]
	TeamChannelConnection      = Connection[upstream.TeamChannel]
	TeamChannelEdge            = Edge[upstream.TeamChannel]
	TeamPostConnection         = Connection[upstream.TeamPost]
	TeamPostEdge               = Edge[upstream.TeamPost]
	TeamFileConnection         = Connection[upstream.TeamFile]
	TeamFileEdge               = Edge[upstream.TeamFile]
	TeamTabConnection          = Connection[upstream.TeamTab]
	TeamTabEdge                = Edge[upstream.TeamTab]
	MailItemEdge               = Edge[upstream.MailItem]
	JobItemConnection          = Connection[upstream.JobItem]
	JobItemEdge                = Edge[upstream.JobItem]
	LogItemConnection          = Connection[upstream.LogItem]
	LogItemEdge                = Edge[upstream.LogItem]
	OrganizationConnection     = Connection[Organization]
	OrganizationEdge           = Edge[Organization]
	BackupRepositoryConnection = Connection[BackupRepository]
	BackupRepositoryEdge       = Edge[BackupRepository]
	ProxyConnection            = Connection[Proxy]
	ProxyEdge                  = Edge[Proxy]
	ProxyPoolConnection        = Connection[upstream.ProxyPool]
	ProxyPoolEdge              = Edge[upstream.ProxyPool]
	CopyJobConnection          = Connection[upstream.CopyJob]
	CopyJobEdge                = Edge[upstream.CopyJob]
	LicensedUserConnection     = Connection[upstream.LicensedUser]
	LicensedUserEdge           = Edge[upstream.LicensedUser]
	ProcessedObjectConnection  = Connection[upstream.ProcessedObject]
	ProcessedObjectEdge        = Edge[upstream.ProcessedObject]
	RestorePointConnection     = Connection[upstream.RestorePoint]
	RestorePointEdge           = Edge[upstream.RestorePoint]
	RestoreSessionConnection   = Connection[upstream.RestoreSession]
	RestoreSessionEdge         = Edge[upstream.RestoreSession]
	RestoreEventConnection     = Connection[upstream.RestoreEvent]
	RestoreEventEdge           = Edge[upstream.RestoreEvent]

	OrganizationUserConnection       = Connection[OrganizationUser]
	OrganizationUserEdge             = Edge[OrganizationUser]
	OrganizationGroupConnection      = Connection[OrganizationGroup]
	OrganizationGroupEdge            = Edge[OrganizationGroup]
	OrganizationSiteConnection       = Connection[OrganizationSite]
	OrganizationSiteEdge             = Edge[OrganizationSite]
	OrganizationTeamConnection       = Connection[OrganizationTeam]
	OrganizationTeamEdge             = Edge[OrganizationTeam]
	GroupMemberConnection            = Connection[upstream.GroupMember]
	GroupMemberEdge                  = Edge[upstream.GroupMember]
	BackupUserDataConnection         = Connection[upstream.BackupUserData]
	BackupUserDataEdge               = Edge[upstream.BackupUserData]
	BackupGroupDataConnection        = Connection[upstream.BackupGroupData]
	BackupGroupDataEdge              = Edge[upstream.BackupGroupData]
	BackupSiteDataConnection         = Connection[upstream.BackupSiteData]
	BackupSiteDataEdge               = Edge[upstream.BackupSiteData]
	BackupTeamDataConnection         = Connection[upstream.BackupTeamData]
	BackupTeamDataEdge               = Edge[upstream.BackupTeamData]
	BackupOrganizationDataConnection = Connection[upstream.BackupOrganizationData]
	BackupOrganizationDataEdge       = Edge[upstream.BackupOrganizationData]
	BackedUpOrganizationConnection   = Connection[upstream.BackedUpOrganization]
	BackedUpOrganizationEdge         = Edge[upstream.BackedUpOrganization]
)

// JobSessionConnection is a page of sessions, with the listing it is a
// page of: what its summary sums up.
type JobSessionConnection struct {
	*Connection[JobSession]
	Filter  upstream.SessionFilter
	Servers []string
}
