package upstream

// An organization's directory: its users, groups, sites and teams as the
// server knows them (from its own copy of Microsoft 365 where the version
// keeps one), and what of each the repositories hold. As in model.go, a
// pointer field is one some versions do not send.

// AccountType is what a user account is. The directory says "Shared", the
// backed-up data "SharedMailbox": both are AccountShared here.
type AccountType string

// Account types.
const (
	AccountUser    AccountType = "User"
	AccountShared  AccountType = "Shared"
	AccountPublic  AccountType = "Public"
	AccountUnknown AccountType = "Unknown"
)

// Location is where a user or group lives.
type Location string

// Locations.
const (
	LocationCloud      Location = "Cloud"
	LocationOnPremises Location = "OnPremises"
	LocationHybrid     Location = "Hybrid"
	LocationUnknown    Location = "Unknown"
)

// GroupType is what a group is.
type GroupType string

// Group types.
const (
	GroupOffice365           GroupType = "Office365"
	GroupSecurity            GroupType = "Security"
	GroupDistribution        GroupType = "Distribution"
	GroupDynamicDistribution GroupType = "DynamicDistribution"
	GroupTypeUnknown         GroupType = "Unknown"
)

// OrganizationObject is one of an organization's users, groups, sites or
// teams. The fields after Address belong to one kind each.
type OrganizationObject struct {
	Origin
	ID             string
	OrganizationID string
	Type           ObjectType
	DisplayName    string  // a user's or group's display name, a site's title, a team's name
	Address        *string // a user's sign-in name, a group's or team's mail, a site's URL

	AccountType *AccountType // users
	Location    *Location    // users and groups
	Office      *string      // users, v7+
	GroupType   *GroupType   // groups
	ManagedBy   *string      // groups
	GroupSite   *string      // groups: the group's site
	ParentURL   *string      // sites
	IsPersonal  *bool        // sites: a user's personal site
	IsCloud     *bool        // sites
	IsAvailable *bool        // sites
	Description *string      // teams
}

// MemberType is what a group's member is.
type MemberType string

// Member types.
const (
	MemberUser    MemberType = "User"
	MemberGroup   MemberType = "Group"
	MemberUnknown MemberType = "Unknown"
)

// GroupMember is a member of a group. The API names no id of its own for
// it: ID is the member's directory id, read from its link when the server
// gives one.
type GroupMember struct {
	Origin
	OrganizationID string
	GroupID        string
	ID             *string
	Type           MemberType
	Name           string
	Login          string
	IsCloud        bool
}

// OneDrive is a user's OneDrive.
type OneDrive struct {
	ID   string
	Name string
	URL  string
}

// LocationFilter narrows a directory listing by location.
type LocationFilter string

// Location filters, as the API names them.
const (
	InCloud              LocationFilter = "Cloud"
	InOnPremises         LocationFilter = "OnPremises"
	InHybrid             LocationFilter = "Hybrid"
	InCloudOrHybrid      LocationFilter = "CloudOrHybrid"
	InOnPremisesOrHybrid LocationFilter = "OnPremisesOrHybrid"
	InAnyLocation        LocationFilter = "Any"
)

// DataSource is where the server reads the directory from (v7+).
type DataSource string

// Data sources.
const (
	PreferLocal         DataSource = "PreferLocal"         // the server's copy (the default here)
	Production          DataSource = "Production"          // Microsoft 365 itself, now
	PreferLocalResynced DataSource = "PreferLocalResynced" // the server's copy, synchronized first
)

// DirectoryFilter narrows a listing of an organization's directory. Text
// filters keep what contains the text, ignoring case.
type DirectoryFilter struct {
	Name                 string          // users: sign-in name; groups: group name
	DisplayName          string          // users, groups, teams; sites: title
	Location             *LocationFilter // users and groups
	Source               DataSource      // "": the server's copy, where the version keeps one
	IncludePersonalSites bool            // sites
	Protected            *bool           // only objects with a backup in some repository (true), or with none (false)
}
