package upstream

import "time"

// The backup estate around the jobs: organizations, repositories, proxies,
// copy jobs, the license. As in model.go, a pointer field is one some
// versions do not send (nil: this server did not say).

// OrganizationType is where an organization lives.
type OrganizationType string

// Organization types.
const (
	OrgOffice365  OrganizationType = "Office365"
	OrgOnPremises OrganizationType = "OnPremises"
	OrgHybrid     OrganizationType = "Hybrid"
	OrgUnknown    OrganizationType = "Unknown"
)

// OrganizationRegion is the Microsoft 365 region of an organization.
type OrganizationRegion string

// Organization regions.
const (
	RegionWorldwide    OrganizationRegion = "Worldwide"
	RegionGermany      OrganizationRegion = "Germany"
	RegionChina        OrganizationRegion = "China"
	RegionUSDefence    OrganizationRegion = "USDefence"
	RegionUSGovernment OrganizationRegion = "USGovernment"
	RegionUnknown      OrganizationRegion = "Unknown"
)

// Organization is a Microsoft 365 (or on-premises) organization added to
// the server.
type Organization struct {
	Origin
	ID                 string
	Name               string
	OfficeName         *string
	Description        *string // v8
	Type               *OrganizationType
	Region             *OrganizationRegion
	IsExchangeOnline   *bool
	IsSharePointOnline *bool
	IsTeamsOnline      *bool
	IsTeamsChatsOnline *bool
	IsBackedUp         *bool
	FirstBackupTime    *time.Time
	LastBackupTime     *time.Time
}

// OrganizationLicensing is how many licenses an organization uses.
type OrganizationLicensing struct {
	LicensedUsers int
	NewUsers      int
}

// RepositoryUsage is what one organization's backups take on one repository.
type RepositoryUsage struct {
	Origin
	RepositoryID                *string
	UsedSpaceBytes              *int64
	LocalCacheUsedSpaceBytes    *int64
	ObjectStorageUsedSpaceBytes *int64
	IsAvailable                 bool
	Details                     *string
	ProtectedObjects            *int64 // v8
}

// BackupRepository is where backups are kept.
type BackupRepository struct {
	Origin
	ID                string
	Name              string
	Description       *string
	Path              *string
	CapacityBytes     *int64
	FreeSpaceBytes    *int64
	Retention         *Retention
	ProxyID           *string
	ProxyPoolID       *string // v8
	OrganizationID    *string // v8
	IsLongTerm        *bool
	IsOutOfSync       *bool // v6+
	IsOutdated        *bool // v8
	IsIndexed         *bool // v8
	IsOutOfOrder      *bool // v8
	OutOfOrderReason  *string
	EncryptionEnabled *bool
	EncryptionKeyID   *string
	ObjectStorage     *ObjectStorage
}

// UsedSpaceBytes is what the repository's disk holds: capacity less free
// space, when the server tells both.
func (r *BackupRepository) UsedSpaceBytes() *int64 {
	if r.CapacityBytes == nil || r.FreeSpaceBytes == nil {
		return nil
	}
	used := *r.CapacityBytes - *r.FreeSpaceBytes
	return &used
}

// Retention is how long a repository keeps backups.
type Retention struct {
	Type          *string // ItemLevel, SnapshotBased
	PeriodType    *string // Daily, Monthly, Yearly
	DailyPeriod   *int
	MonthlyPeriod *int
	YearlyPeriod  *string // Year1 .. Keep
}

// ObjectStorage is the object storage a repository keeps its backups in.
type ObjectStorage struct {
	ID             *string
	Name           *string // the bucket or container
	Type           *string // AmazonS3, AzureBlob, WasabiCloud, ...
	Folder         *string
	UsedSpaceBytes *int64
	FreeSpaceBytes *int64
	SizeLimitBytes *int64
}

// ProxyStatus is whether a proxy answers.
type ProxyStatus string

// Proxy statuses.
const (
	ProxyOnline  ProxyStatus = "Online"
	ProxyOffline ProxyStatus = "Offline"
	ProxyUnknown ProxyStatus = "Unknown"
)

// Proxy is a backup proxy server.
type Proxy struct {
	Origin
	ID                 string
	HostName           string
	FQDN               *string // v7+
	Description        *string
	Port               *int
	Type               *string // Local, Domain, Workgroup
	Status             ProxyStatus
	MaintenanceMode    *string // v8: Disabled, Enabling, Enabled
	CPUUsagePercent    *float64
	MemoryUsagePercent *float64
	Threads            *int    // up to v7
	Version            *string // v8
	OperatingSystem    *string // v8: Windows, Linux
	Roles              []string
	PoolID             *string // v8
}

// ProxyPool is a group of proxies (v8).
type ProxyPool struct {
	Origin
	ID          string
	Name        string
	Description *string
}

// CopyJob is a backup copy job (v6+).
type CopyJob struct {
	Origin
	ID             string
	Name           string
	BackupJobID    *string
	RepositoryID   *string
	OrganizationID *string // v8
	Schedule       *CopyJobSchedule
	LastRun        *time.Time
	NextRun        *time.Time
	LastBackup     *time.Time // v8
	IsEnabled      *bool
	LastStatus     *SessionStatus
}

// CopyJobSchedule is when a copy job runs.
type CopyJobSchedule struct {
	Type              *string // Immediate, Periodically, DailyAtTime
	PeriodicallyEvery *string
	DailyType         *string
	DailyTime         *string
}

// LicenseStatus tells a valid license from an expired one.
type LicenseStatus string

// License statuses.
const (
	LicenseValid   LicenseStatus = "Valid"
	LicenseExpired LicenseStatus = "Expired"
	LicenseUnknown LicenseStatus = "Unknown"
)

// License is the server's license.
type License struct {
	Origin
	ID                 *string
	Email              *string
	Status             LicenseStatus
	Type               *string // Subscription, Evaluation, NFR, Rental, Community, ...
	Package            *string // v7+
	LicensedTo         *string
	ContactPerson      *string // up to v6
	Expires            *time.Time
	GracePeriodExpires *time.Time // v7+
	SupportID          *string
	SupportExpires     *time.Time // up to v6
	Total, Used, New   int
}

// LicenseState is how a user takes a license.
type LicenseState string

// License states.
const (
	StateLicensed            LicenseState = "Licensed"
	StateNew                 LicenseState = "New"
	StateTemporarilyAssigned LicenseState = "TemporarilyAssigned"
	StateExceeded            LicenseState = "Exceeded"
	StateUnknown             LicenseState = "Unknown"
)

// LicensedUser is a user who takes a license.
type LicensedUser struct {
	Origin
	ID               string
	Name             string
	IsBackedUp       bool
	LastBackup       *time.Time
	LicenseState     LicenseState
	OrganizationID   *string
	OrganizationName *string
}

// LicensedUserFilter narrows the licensed users listed.
type LicensedUserFilter struct {
	OrganizationID string
	Name           string
}

// ServiceInstance is what the server says of itself (v6+).
type ServiceInstance struct {
	InstallationID *string
	Version        *string
}

// HealthStatus is whether the server, or one of its parts, is well.
type HealthStatus string

// Health statuses.
const (
	Healthy       HealthStatus = "Healthy"
	Unhealthy     HealthStatus = "Unhealthy"
	HealthUnknown HealthStatus = "Unknown"
)

// Health is the server's health report (v8).
type Health struct {
	Status  HealthStatus
	Entries []HealthEntry
}

// HealthEntry is the health of one of the server's parts.
type HealthEntry struct {
	Name        string
	Status      HealthStatus
	Description *string
}
