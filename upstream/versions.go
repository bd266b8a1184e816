package upstream

import "strings"

// Capability is something of the REST API that not every version has: a
// resource, a filter, a shape of answer. What each version has is this one
// table; the client asks it (has, require), never the version number, and
// the README's matrix is rendered from it (Matrix).
type Capability int

// The capabilities, in the order of the README's matrix.
const (
	PagedSessions Capability = iota
	SessionJobTypeFilter
	SessionCreatedAfterFilter
	SessionJobFilter
	SessionCreatedBeforeFilter
	SessionStatusFilter
	PagedCollections
	ExtendedOrganizations
	PagedLicensedUsers
	CopyJobs
	ProxyPools
	ServiceDescription
	HealthReport
	UsedRepositories
	ProcessedObjects
	LocalDirectory
	PagedDirectory
	DirectoryFilters
	SiteTitleFilter
	RestorePoints
	PagedRestorePoints
	RestorePointsByObject
	PagedRestoreSessions
	RestoreSessionTimeFilters
	RestoreSessionStatistics
	ActionEndpoints
	CopyJobStartWithoutBody
	StartAnswersSession
	Logout
	LoginWithoutAntiforgery
	OrganizationSync
	RepositorySynchronization
	LicenseRevocation
	LicenseAutoUpdate
	LicenseUsageStatistics
	RestorePortalSettings
	JobSelection
	PagedJobSelection
	ProxyMaintenanceMode
	ExploreEndpoints
	ItemActionEndpoints
	RestoreRunsOn
	RestoreDeviceCodes
	Reports
	WorkloadProtectionReports
	MailSearch
	TeamsExplore
	DocumentVersions
	EventFeed
	capabilityCount // not a capability: how many there are
)

// capabilities says, for each capability, the first version that has it
// and, for errors and the README, what it is.
var capabilities = [capabilityCount]struct {
	since int
	name  string // in errors: "processed objects: needs API v7 or later"
	what  string // in the README's matrix
}{
	PagedSessions:              {5, "paged session listings", "`GET /JobSessions` answers pages (before: one array, paged by the gateway)"},
	SessionJobTypeFilter:       {6, "the job type filter", "sessions filtered by `jobType` upstream"},
	SessionCreatedAfterFilter:  {6, "the created-after filter", "sessions filtered by `endTimeLowerBound` (created after) upstream"},
	SessionJobFilter:           {7, "the job filter", "sessions filtered by `jobId` upstream (before: `/Jobs/{id}/JobSessions`)"},
	SessionCreatedBeforeFilter: {7, "the created-before filter", "sessions filtered by `endTimeUpperBound` (created before) upstream"},
	SessionStatusFilter:        {8, "the status filter", "sessions filtered by `status` upstream"},
	PagedCollections:           {8, "paged collections", "`/Jobs`, `/Organizations`, `/BackupRepositories`, `/Proxies`, `/CopyJobs` answer pages (before: one array)"},
	ExtendedOrganizations:      {6, "the extended view of organizations", "organizations' backup state asked with `extendedView=true`"},
	PagedLicensedUsers:         {5, "paged licensed users", "`/LicensedUsers` answers pages, filtered upstream (before: one array, filtered by the gateway)"},
	CopyJobs:                   {6, "copy jobs", "copy jobs (`/CopyJobs`) and their actions"},
	ProxyPools:                 {8, "proxy pools", "proxy pools (`/ProxyPools`)"},
	ServiceDescription:         {6, "the service instance", "the server's description (`/ServiceInstance`)"},
	HealthReport:               {8, "the health report", "the server's health (`/Health`)"},
	UsedRepositories:           {6, "used repositories", "an organization's use of repositories (`/Organizations/{id}/usedRepositories`)"},
	ProcessedObjects:           {7, "processed objects", "a session's processed objects (`/JobSessions/{id}/ProcessedObjects`)"},
	LocalDirectory:             {7, "the local directory", "an organization's users, groups, sites and teams read from the server's copy (`dataSource=PreferLocal`)"},
	PagedDirectory:             {5, "paged directory listings", "an organization's users, groups, sites and teams, and a repository's backed-up data, answer pages (before: one array)"},
	DirectoryFilters:           {6, "directory filters", "users and groups filtered by name, display name and location upstream, teams by display name (before: by the gateway)"},
	SiteTitleFilter:            {7, "the site title filter", "sites filtered by title upstream (`filter`; before: by the gateway)"},
	RestorePoints:              {6, "restore points", "restore points (`/RestorePoints`)"},
	PagedRestorePoints:         {7, "paged restore points", "restore points paged and filtered upstream (`from`, `to`, `isCopy`, `orderAsc`)"},
	RestorePointsByObject:      {8, "restore points by object", "restore points of one user, group, site or team (`userId`, `groupId`, `siteId`, `teamId`)"},
	PagedRestoreSessions:       {5, "paged restore sessions", "`/RestoreSessions` answers pages (before: one array)"},
	RestoreSessionTimeFilters:  {6, "restore session time filters", "restore sessions filtered by start time upstream"},
	RestoreSessionStatistics:   {8, "restore statistics", "a restore session's statistics (`/RestoreSessions/{id}/Statistics`)"},
	ActionEndpoints:            {6, "a full start", "job actions at `POST /Jobs/{id}/start` and alike, a full start (before: `POST /Jobs/{id}/Action`)"},
	CopyJobStartWithoutBody:    {7, "a copy job start without a body", "a copy job's start takes no body"},
	StartAnswersSession:        {8, "a start that answers its session", "a start answers the new session (before: the gateway looks for it)"},
	Logout:                     {7, "logging out", "logging out (`POST /token/logout`)"},
	LoginWithoutAntiforgery:    {7, "a login without an antiforgery token", "a login says `disable_antiforgery_token`"},
	OrganizationSync:           {7, "directory synchronization", "an organization's directory sync state and `POST /Organizations/{id}/Sync`"},
	RepositorySynchronization:  {6, "repository synchronization", "`POST /BackupRepositories/{id}/Sync`"},
	LicenseRevocation:          {6, "license revocation", "`DELETE /LicensedUsers/{id}`"},
	LicenseAutoUpdate:          {6, "the license's automatic update", "`/License/AutoUpdate`"},
	LicenseUsageStatistics:     {7, "license usage statistics", "`/licensing/statistic/usage`"},
	RestorePortalSettings:      {6, "the restore portal's settings", "`/RestorePortalSettings`"},
	JobSelection:               {6, "a job's selected and excluded items", "`/Jobs/{id}/SelectedItems` and `/ExcludedItems`"},
	PagedJobSelection:          {8, "paged job items", "a job's selected and excluded items answer pages (before: one array)"},
	ProxyMaintenanceMode:       {8, "proxy maintenance", "a proxy's maintenance mode switched (`POST /Proxies/{id}/maintenance/enable`, `/disable`)"},
	ExploreEndpoints:           {6, "explore endpoints", "restore sessions opened at `POST /Organizations/{id}/explore` and stopped at `/RestoreSessions/{id}/Stop` (before: `/Action`)"},
	ItemActionEndpoints:        {6, "item action endpoints", "mailbox items restored at `.../mailboxes/{id}/items/restore` or `/restoreTo`, sent at `/sendToDefaultAddress` or `/sendToDifferentAddress`, exported at `/exportToPst`; OneDrive documents restored at `.../OneDrives/{id}/Documents/restore`, saved at `/save` (before: `.../items/Action`, `.../Documents/Action`)"},
	RestoreRunsOn:              {8, "restores that run on", "an item restore answers at once and runs on, followed in the session's events (before: it answers its totals when done)"},
	TeamsExplore:               {6, "Teams restore sessions", "teams, channels, posts, files and tabs inside a Teams restore session (`/RestoreSessions/{id}/organization/teams`)"},
	EventFeed:                  {8, "the event feed", "a long-polled feed of what changed (`GET /Events`: job sessions, jobs, restore sessions, protected objects...)"},
	DocumentVersions:           {6, "document versions", "a OneDrive document's backed-up versions (`.../OneDrives/{id}/Documents/{id}/Versions`)"},
	MailSearch:                 {6, "mail search", "a mailbox's items searched upstream (`POST .../mailboxes/{id}/search`, `.../folders/{id}/search`)"},
	Reports:                    {6, "reports", "reports generated as PDF or CSV: licence overview, storage consumption, mailbox and user protection (`POST /Reports/Generate...`)"},
	WorkloadProtectionReports:  {8, "OneDrive, SharePoint and Teams protection reports", "OneDrive, SharePoint and Teams protection reports (PDF)"},
	RestoreDeviceCodes:         {6, "restore device codes", "a restore signs in with a device code (`POST /RestoreSessions/{id}/organization/restoreDeviceCode`)"},
}

// Since is the first version that has c.
func (c Capability) Since() int { return capabilities[c].since }

// String is what c is, in a sentence's words.
func (c Capability) String() string { return capabilities[c].what }

// has reports whether the server's version has cap.
func (c *Client) has(cap Capability) bool { return c.Version() >= cap.Since() }

// require is a VersionError naming cap and the version that has it, when
// the server's version lacks it.
func (c *Client) require(cap Capability) error {
	if c.has(cap) {
		return nil
	}
	return &VersionError{What: capabilities[cap].name, Since: cap.Since(), Version: c.Version()}
}

// Matrix is the table of capabilities by version, in Markdown: the
// README's, rendered from the one table.
func Matrix() string {
	var b strings.Builder
	b.WriteString("| | v3 | v4 | v5 | v6 | v7 | v8 |\n|---|---|---|---|---|---|---|\n")
	for c := Capability(0); c < capabilityCount; c++ {
		b.WriteString("| " + c.String() + " |")
		for v := MinVersion; v <= MaxVersion; v++ {
			mark := " – |"
			if v >= c.Since() {
				mark = " ✓ |"
			}
			b.WriteString(mark)
		}
		b.WriteString("\n")
	}
	return b.String()
}
