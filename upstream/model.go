package upstream

import "time"

// The types in this file are the one model that every API version (v3..v8) is
// normalised into. Fields that only some versions serve are pointers: nil means
// "this server did not say".

// SessionStatus is the status of a job session or the last status of a job.
type SessionStatus string

// Session statuses as the upstream spells them. StatusUnknown stands for any
// value a newer server sends that this gateway does not know yet.
const (
	StatusStopped       SessionStatus = "Stopped"
	StatusRunning       SessionStatus = "Running"
	StatusSuccess       SessionStatus = "Success"
	StatusFailed        SessionStatus = "Failed"
	StatusWarning       SessionStatus = "Warning"
	StatusNotConfigured SessionStatus = "NotConfigured"
	StatusDisconnected  SessionStatus = "Disconnected"
	StatusQueued        SessionStatus = "Queued"
	StatusUnknown       SessionStatus = "Unknown"
)

// Final reports whether a session in this status can no longer change.
func (s SessionStatus) Final() bool {
	switch s {
	case StatusSuccess, StatusWarning, StatusFailed, StatusStopped:
		return true
	}
	return false
}

// Bottleneck is the stage that limited a session's throughput.
type Bottleneck string

// Bottleneck values.
const (
	BottleneckNA        Bottleneck = "NA"
	BottleneckDetecting Bottleneck = "Detecting"
	BottleneckSource    Bottleneck = "Source"
	BottleneckTarget    Bottleneck = "Target"
	BottleneckUnknown   Bottleneck = "Unknown"
)

// JobType tells a backup job from a backup copy job.
type JobType string

// Job types.
const (
	JobTypeBackup  JobType = "Backup"
	JobTypeCopy    JobType = "Copy"
	JobTypeUnknown JobType = "Unknown"
)

// SessionConfigType tells a full synchronisation from an incremental one (v8).
type SessionConfigType string

// Session config types.
const (
	ConfigFull        SessionConfigType = "Full"
	ConfigIncremental SessionConfigType = "Incremental"
	ConfigUnknown     SessionConfigType = "Unknown"
)

// BackupType says what a job protects.
type BackupType string

// Backup types.
const (
	BackupEntireOrganization BackupType = "EntireOrganization"
	BackupSelectedItems      BackupType = "SelectedItems"
	BackupUnknown            BackupType = "Unknown"
)

// LogItemType is the outcome of one step in a session log.
type LogItemType string

// Log item types (v8 sends them; earlier versions prefix the title with them).
const (
	LogRunning LogItemType = "Running"
	LogWarning LogItemType = "Warning"
	LogError   LogItemType = "Error"
	LogSuccess LogItemType = "Success"
	LogStop    LogItemType = "Stop"
	LogUnknown LogItemType = "Unknown"
)

// ScheduleType is how a job is scheduled.
type ScheduleType string

// Schedule types.
const (
	SchedulePeriodically ScheduleType = "Periodically"
	ScheduleDaily        ScheduleType = "Daily"
	ScheduleManualOnly   ScheduleType = "ManualOnly"
	ScheduleUnknown      ScheduleType = "Unknown"
)

// JobSession is one run of a job.
type JobSession struct {
	Origin
	ID               string
	JobID            *string
	RepositoryID     *string
	MainSessionID    *string
	ProxyID          *string
	ProxyPoolID      *string
	Details          *string
	CreationTime     time.Time
	EndTime          *time.Time
	RetryCount       *int
	JobWillBeRetried *bool
	Progress         int
	JobType          *JobType
	ConfigType       *SessionConfigType
	Status           SessionStatus
	Statistics       *Statistics
	ETag             *int64
}

// Statistics are a session's throughput counters. Byte counters pass 2^31
// quickly, so all of them are int64.
type Statistics struct {
	ProcessingRateBytesPS int64
	ProcessingRateItemsPS int64
	ReadRateBytesPS       int64
	WriteRateBytesPS      int64
	TransferredDataBytes  int64
	ProcessedObjects      int64
	Bottleneck            Bottleneck
}

// Job is a backup or backup copy job.
type Job struct {
	Origin
	ID             string
	Name           string
	Description    *string
	BackupType     *BackupType
	IsEnabled      *bool
	LastRun        *time.Time
	NextRun        *time.Time
	LastBackup     *time.Time
	LastStatus     *SessionStatus
	OrganizationID *string
	RepositoryID   *string
	SchedulePolicy *SchedulePolicy
	ETag           *int64
}

// SchedulePolicy is when a job runs.
type SchedulePolicy struct {
	Type                      *ScheduleType
	ScheduleEnabled           *bool
	BackupWindowEnabled       *bool
	PeriodicallyEvery         *string
	PeriodicallyOffsetMinutes *int
	DailyType                 *string
	DailyTime                 *string
	RetryEnabled              *bool
	RetryNumber               *int
	RetryWaitInterval         *int
}

// LogItem is one line of a session's log, in both the v8 form (Type and
// Message) and the older form (Title, "[Status] message").
type LogItem struct {
	Origin
	ID           string
	SessionID    string
	Usn          int64
	Title        string
	Type         LogItemType
	Message      string
	CreationTime time.Time
	EndTime      *time.Time
}

// Origin names the server an item came from: the gateway's name for it
// (Options.Name), not anything the server says.
type Origin struct {
	ServerName string
}

// stamp notes the server an item came from.
func (o *Origin) stamp(server string) { o.ServerName = server }

// ServedBy is the server an item came from, for code generic over items.
func (o Origin) ServedBy() string { return o.ServerName }

// stamped is an item that can say where it came from.
type stamped interface{ stamp(server string) }

// stampAll notes the server on every item that can say it.
func stampAll[T any](server string, items []T) {
	for i := range items {
		if s, ok := any(&items[i]).(stamped); ok {
			s.stamp(server)
		}
	}
}

// Page is a window of a collection. Total is nil when the server does not
// count (v8); HasMore still tells whether another page follows. SetID names
// the result set the server keeps for the listing (directory listings, v6+):
// the next page asks for it, so that it pages the same set.
type Page[T any] struct {
	Items   []T
	Offset  int
	Total   *int
	HasMore bool
	SetID   string
}

// PageRequest asks for Limit items starting at Offset; Fresh: as the
// upstream has them now, not from the cache.
type PageRequest struct {
	Offset int
	Limit  int
	Fresh  bool
	SetID  string // the result set an earlier page named
}
