package upstream

// Decoding the estate's resources, whatever the version (see wire.go for the
// flexible number, date and link types).

type wireOrganization struct {
	ID                 string    `json:"id"`
	Name               string    `json:"name"`
	OfficeName         *string   `json:"officeName"`
	Description        *string   `json:"description"`
	Type               *string   `json:"type"`
	Region             *string   `json:"region"`
	IsExchangeOnline   *bool     `json:"isExchangeOnline"`
	IsSharePointOnline *bool     `json:"isSharePointOnline"`
	IsTeamsOnline      *bool     `json:"isTeamsOnline"`
	IsTeamsChatsOnline *bool     `json:"isTeamsChatsOnline"`
	IsBackedUp         *bool     `json:"isBackedup"`      // sic
	FirstBackupTime    flexTime  `json:"firstBackuptime"` // sic
	LastBackupTime     flexTime  `json:"lastBackuptime"`  // sic
	Links              wireLinks `json:"_links"`
}

func (w *wireOrganization) model() Organization {
	return Organization{
		ID: w.ID, Name: w.Name, OfficeName: w.OfficeName, Description: w.Description,
		Type:             optOneOf(w.Type, OrgUnknown, OrgOffice365, OrgOnPremises, OrgHybrid),
		Region:           optOneOf(w.Region, RegionUnknown, RegionWorldwide, RegionGermany, RegionChina, RegionUSDefence, RegionUSGovernment),
		IsExchangeOnline: w.IsExchangeOnline, IsSharePointOnline: w.IsSharePointOnline,
		IsTeamsOnline: w.IsTeamsOnline, IsTeamsChatsOnline: w.IsTeamsChatsOnline, IsBackedUp: w.IsBackedUp,
		FirstBackupTime: w.FirstBackupTime.ptr(), LastBackupTime: w.LastBackupTime.ptr(),
	}
}

type wireLicensing struct {
	LicensedUsers flexInt64 `json:"licensedUsers"`
	NewUsers      flexInt64 `json:"newUsers"`
}

type wireUsage struct {
	RepositoryID         *string   `json:"repositoryId"` // v8; earlier only in _links
	UsedSpaceBytes       flexInt64 `json:"usedSpaceBytes"`
	LocalCacheUsedBytes  flexInt64 `json:"localCacheUsedSpaceBytes"`
	ObjectStorageUsed    flexInt64 `json:"objectStorageUsedSpaceBytes"`
	IsAvailable          bool      `json:"isAvailable"`
	Details              *string   `json:"details"`
	ProtectedObjectCount flexInt64 `json:"protectedObjectsCount"`
	Links                wireLinks `json:"_links"`
}

func (w *wireUsage) model() RepositoryUsage {
	return RepositoryUsage{
		RepositoryID:   linkedID(w.RepositoryID, w.Links, "backupRepository", "backuprepositories"),
		UsedSpaceBytes: w.UsedSpaceBytes.int64Ptr(), LocalCacheUsedSpaceBytes: w.LocalCacheUsedBytes.int64Ptr(),
		ObjectStorageUsedSpaceBytes: w.ObjectStorageUsed.int64Ptr(),
		IsAvailable:                 w.IsAvailable, Details: w.Details, ProtectedObjects: w.ProtectedObjectCount.int64Ptr(),
	}
}

// linkedID is the id a field gives, or, where the version sends none, the
// one its link names (a link of another resource is no answer).
func linkedID(field *string, links wireLinks, rel, resource string) *string {
	if field != nil && *field != "" {
		return field
	}
	if l, ok := parseLink(links[rel].Href); ok && l.Resource == resource {
		return &l.ID
	}
	return nil
}

type wireObjectStorage struct {
	ID             *string   `json:"id"`
	Type           *string   `json:"type"`
	UsedSpaceBytes flexInt64 `json:"usedSpaceBytes"`
	FreeSpaceBytes flexInt64 `json:"freeSpaceBytes"`
	SizeLimitGB    flexInt64 `json:"sizeLimitGB"`
	S3Folder       *string   `json:"s3Folder"`
	AzureFolder    *string   `json:"azureFolder"`
	S3Compatible   *struct {
		Name *string `json:"name"`
	} `json:"amazonBucketS3Compatible"`
	S3 *struct {
		Name *string `json:"name"`
	} `json:"amazonBucketS3Aws"`
	Azure *struct {
		Name *string `json:"name"`
	} `json:"azureContainer"`
}

func (w *wireObjectStorage) model() *ObjectStorage {
	o := &ObjectStorage{ID: w.ID, Type: w.Type, UsedSpaceBytes: w.UsedSpaceBytes.int64Ptr(), FreeSpaceBytes: w.FreeSpaceBytes.int64Ptr()}
	if w.SizeLimitGB.Set {
		limit := w.SizeLimitGB.Value << 30
		o.SizeLimitBytes = &limit
	}
	switch {
	case w.S3Compatible != nil:
		o.Name, o.Folder = w.S3Compatible.Name, w.S3Folder
	case w.S3 != nil:
		o.Name, o.Folder = w.S3.Name, w.S3Folder
	case w.Azure != nil:
		o.Name, o.Folder = w.Azure.Name, w.AzureFolder
	}
	return o
}

type wireRepository struct {
	ID                  string             `json:"id"`
	Name                string             `json:"name"`
	Description         *string            `json:"description"`
	Path                *string            `json:"path"`
	CapacityBytes       flexInt64          `json:"capacityBytes"`
	FreeSpaceBytes      flexInt64          `json:"freeSpaceBytes"`
	RetentionType       *string            `json:"retentionType"`
	RetentionPeriodType *string            `json:"retentionPeriodType"`
	DailyRetention      flexInt64          `json:"dailyRetentionPeriod"`
	MonthlyRetention    flexInt64          `json:"monthlyRetentionPeriod"`
	YearlyRetention     *string            `json:"yearlyRetentionPeriod"`
	ProxyID             *string            `json:"proxyId"`
	ProxyPoolID         *string            `json:"proxyPoolId"`
	OrganizationID      *string            `json:"organizationId"`
	IsLongTerm          *bool              `json:"isLongTerm"`
	IsOutOfSync         *bool              `json:"isOutOfSync"`
	IsOutdated          *bool              `json:"isOutdated"`
	IsIndexed           *bool              `json:"isIndexed"`
	IsOutOfOrder        *bool              `json:"isOutOfOrder"`
	OutOfOrderReason    *string            `json:"outOfOrderReason"`
	EncryptionEnabled   *bool              `json:"objectStorageEncryptionEnabled"`
	EncryptionKeyID     *string            `json:"encryptionKeyId"`
	ObjectStorageID     *string            `json:"objectStorageId"` // v6, v7
	ObjectStorage       *wireObjectStorage `json:"objectStorage"`   // v8
	Links               wireLinks          `json:"_links"`
}

func (w *wireRepository) model() BackupRepository {
	r := BackupRepository{
		ID: w.ID, Name: w.Name, Description: w.Description, Path: w.Path,
		CapacityBytes: w.CapacityBytes.int64Ptr(), FreeSpaceBytes: w.FreeSpaceBytes.int64Ptr(),
		ProxyID:     linkedID(w.ProxyID, w.Links, "proxy", "proxies"),
		ProxyPoolID: w.ProxyPoolID, OrganizationID: w.OrganizationID,
		IsLongTerm: w.IsLongTerm, IsOutOfSync: w.IsOutOfSync, IsOutdated: w.IsOutdated, IsIndexed: w.IsIndexed,
		IsOutOfOrder: w.IsOutOfOrder, OutOfOrderReason: w.OutOfOrderReason,
		EncryptionEnabled: w.EncryptionEnabled, EncryptionKeyID: w.EncryptionKeyID,
	}
	if w.RetentionType != nil || w.RetentionPeriodType != nil {
		r.Retention = &Retention{Type: w.RetentionType, PeriodType: w.RetentionPeriodType,
			DailyPeriod: w.DailyRetention.intPtr(), MonthlyPeriod: w.MonthlyRetention.intPtr(), YearlyPeriod: w.YearlyRetention}
	}
	switch {
	case w.ObjectStorage != nil:
		r.ObjectStorage = w.ObjectStorage.model()
	case w.ObjectStorageID != nil && *w.ObjectStorageID != "":
		r.ObjectStorage = &ObjectStorage{ID: w.ObjectStorageID} // v6, v7 name only the storage
	}
	return r
}

type wireProxy struct {
	ID                 string    `json:"id"`
	HostName           string    `json:"hostName"`
	FQDN               *string   `json:"fqdn"`
	Description        *string   `json:"description"`
	Port               flexInt64 `json:"port"`
	Type               *string   `json:"type"`
	Status             string    `json:"status"`
	MaintenanceMode    *string   `json:"maintenanceModeState"`
	CPUUsagePercent    *float64  `json:"cpuUsagePercent"`
	MemoryUsagePercent *float64  `json:"memoryUsagePercent"`
	Threads            flexInt64 `json:"threadsNumber"`
	Version            *string   `json:"version"`
	OperatingSystem    *string   `json:"operatingSystem"`
	Roles              []string  `json:"role"`
	PoolID             *string   `json:"proxyPoolId"`
}

func (w *wireProxy) model() Proxy {
	return Proxy{
		ID: w.ID, HostName: w.HostName, FQDN: w.FQDN, Description: w.Description, Port: w.Port.intPtr(), Type: w.Type,
		Status:          oneOf(w.Status, ProxyUnknown, ProxyOnline, ProxyOffline),
		MaintenanceMode: w.MaintenanceMode, CPUUsagePercent: w.CPUUsagePercent, MemoryUsagePercent: w.MemoryUsagePercent,
		Threads: w.Threads.intPtr(), Version: w.Version, OperatingSystem: w.OperatingSystem, Roles: w.Roles, PoolID: w.PoolID,
	}
}

type wireProxyPool struct {
	ID          string  `json:"id"`
	Name        string  `json:"name"`
	Description *string `json:"description"`
}

func (w *wireProxyPool) model() ProxyPool {
	return ProxyPool{ID: w.ID, Name: w.Name, Description: w.Description}
}

type wireCopyJob struct {
	ID             string    `json:"id"`
	Name           string    `json:"name"`
	BackupJobID    *string   `json:"backupJobId"`
	RepositoryID   *string   `json:"repositoryId"`
	OrganizationID *string   `json:"organizationId"`
	LastRun        flexTime  `json:"lastRun"`
	NextRun        flexTime  `json:"nextRun"`
	LastBackup     flexTime  `json:"lastBackup"`
	IsEnabled      *bool     `json:"isEnabled"`
	LastStatus     *string   `json:"lastStatus"`
	Links          wireLinks `json:"_links"`
	Schedule       *struct {
		Type              *string `json:"type"`
		PeriodicallyEvery *string `json:"periodicallyEvery"`
		DailyType         *string `json:"dailyType"`
		DailyTime         *string `json:"dailyTime"`
	} `json:"schedulePolicy"`
}

func (w *wireCopyJob) model() CopyJob {
	j := CopyJob{
		ID: w.ID, Name: w.Name,
		BackupJobID:    linkedID(w.BackupJobID, w.Links, "backupJob", "jobs"),
		RepositoryID:   linkedID(w.RepositoryID, w.Links, "repository", "backuprepositories"),
		OrganizationID: w.OrganizationID, LastRun: w.LastRun.ptr(), NextRun: w.NextRun.ptr(), LastBackup: w.LastBackup.ptr(),
		IsEnabled: w.IsEnabled,
	}
	if w.LastStatus != nil {
		st := knownStatus(*w.LastStatus)
		j.LastStatus = &st
	}
	if p := w.Schedule; p != nil {
		j.Schedule = &CopyJobSchedule{Type: p.Type, PeriodicallyEvery: p.PeriodicallyEvery, DailyType: p.DailyType, DailyTime: p.DailyTime}
	}
	return j
}

type wireLicense struct {
	ID                 *string   `json:"licenseID"`
	Email              *string   `json:"email"`
	Status             string    `json:"status"`
	Type               *string   `json:"type"`
	Package            *string   `json:"package"`
	LicensedTo         *string   `json:"licensedTo"`
	ContactPerson      *string   `json:"contactPerson"`
	ExpirationDate     flexTime  `json:"expirationDate"` // up to v6
	LicenseExpires     flexTime  `json:"licenseExpires"` // v7+
	GracePeriodExpires flexTime  `json:"gracePeriodExpires"`
	SupportID          *string   `json:"supportID"`
	SupportExpires     flexTime  `json:"supportExpirationDate"`
	Total              flexInt64 `json:"totalNumber"`
	Used               flexInt64 `json:"usedNumber"`
	New                flexInt64 `json:"newNumber"`
}

func (w *wireLicense) model() License {
	l := License{
		ID: w.ID, Email: w.Email, Status: oneOf(w.Status, LicenseUnknown, LicenseValid, LicenseExpired),
		Type: w.Type, Package: w.Package, LicensedTo: w.LicensedTo, ContactPerson: w.ContactPerson,
		Expires: w.LicenseExpires.ptr(), GracePeriodExpires: w.GracePeriodExpires.ptr(),
		SupportID: w.SupportID, SupportExpires: w.SupportExpires.ptr(),
		Total: int(w.Total.Value), Used: int(w.Used.Value), New: int(w.New.Value),
	}
	if l.Expires == nil { // renamed in v7
		l.Expires = w.ExpirationDate.ptr()
	}
	return l
}

type wireLicensedUser struct {
	ID               string    `json:"id"`
	Name             string    `json:"name"`
	IsBackedUp       bool      `json:"isBackedUp"`
	LastBackupDate   flexTime  `json:"lastBackupDate"`
	LicenseState     string    `json:"licenseState"`
	OrganizationID   *string   `json:"organizationId"`
	OrganizationName *string   `json:"organizationName"`
	Links            wireLinks `json:"_links"`
}

func (w *wireLicensedUser) model() LicensedUser {
	return LicensedUser{
		ID: w.ID, Name: w.Name, IsBackedUp: w.IsBackedUp, LastBackup: w.LastBackupDate.ptr(),
		LicenseState:     oneOf(w.LicenseState, StateUnknown, StateLicensed, StateNew, StateTemporarilyAssigned, StateExceeded),
		OrganizationID:   linkedID(w.OrganizationID, w.Links, "organization", "organizations"),
		OrganizationName: w.OrganizationName,
	}
}

type wireServiceInstance struct {
	InstallationID *string `json:"installationId"`
	Version        *string `json:"version"`
}

type wireHealth struct {
	Status  string `json:"status"`
	Entries map[string]struct {
		Status      string  `json:"status"`
		Description *string `json:"description"`
	} `json:"entries"`
}
