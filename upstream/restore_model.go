package upstream

import "time"

// What was backed up and what was restored: the objects a session processed,
// restore points, restore sessions and their events. As in model.go, a
// pointer field is one some versions do not send.

// ObjectType is the kind of object a backup job processes.
type ObjectType string

// Processed object types.
const (
	ObjectUser    ObjectType = "User"
	ObjectGroup   ObjectType = "Group"
	ObjectSite    ObjectType = "Site"
	ObjectTeam    ObjectType = "Team"
	ObjectUnknown ObjectType = "Unknown"
)

// collection is where an organization keeps objects of the type.
func (t ObjectType) collection() string {
	switch t {
	case ObjectUser:
		return "Users"
	case ObjectGroup:
		return "Groups"
	case ObjectSite:
		return "Sites"
	case ObjectTeam:
		return "Teams"
	}
	return ""
}

// ObjectStatus is how processing an object went.
type ObjectStatus string

// Processed object statuses.
const (
	ObjectSuccess       ObjectStatus = "Success"
	ObjectWarning       ObjectStatus = "Warning"
	ObjectFailed        ObjectStatus = "Failed"
	ObjectStatusUnknown ObjectStatus = "Unknown"
)

// ProcessedObject is an object (user, group, site, team) a job session
// processed, with its outcome (v7+). The REST API says no more of it: its
// name is the organization's, its errors are in the session's log.
type ProcessedObject struct {
	Origin
	ID             string
	SessionID      string
	Type           ObjectType
	Status         ObjectStatus
	OrganizationID *string // from its link to the organization's object
}

// ObjectRef names an object of an organization.
type ObjectRef struct {
	OrganizationID string
	Type           ObjectType
	ID             string
}

// RestorePoint is a point in time the backups of a job can be restored
// from (v6+).
type RestorePoint struct {
	Origin
	ID                    string
	BackupTime            time.Time
	JobID                 *string
	OrganizationID        *string
	RepositoryID          *string
	IsExchange            bool
	IsSharePoint          bool
	IsOneDrive            bool
	IsTeams               bool
	IsLongTermCopy        bool
	IsCopy                *bool // v7+
	IsRetrieved           bool
	IsDeleted             *bool      // v7+
	ImmutabilityExpiresOn *time.Time // v8
}

// RestoreSessionType is the kind of data a restore session explores.
type RestoreSessionType string

// Restore session types, as the upstream names their explorers.
const (
	RestoreExchange   RestoreSessionType = "Vex"
	RestoreOneDrive   RestoreSessionType = "Veod"
	RestoreSharePoint RestoreSessionType = "Vesp"
	RestoreTeams      RestoreSessionType = "Vet"
	RestoreUnknown    RestoreSessionType = "Unknown"
)

// RestoreState says whether a restore session still runs.
type RestoreState string

// Restore session states.
const (
	RestoreWorking      RestoreState = "Working"
	RestoreStopped      RestoreState = "Stopped"
	RestoreStateUnknown RestoreState = "Unknown"
)

// RestoreResult is how a restore session went (so far, while working).
type RestoreResult string

// Restore session results.
const (
	RestoreSuccess       RestoreResult = "Success"
	RestoreWarning       RestoreResult = "Warning"
	RestoreFailed        RestoreResult = "Failed"
	RestoreResultUnknown RestoreResult = "Unknown"
)

// RestoreSession is a session of restoring (or exploring) backed-up data.
type RestoreSession struct {
	Origin
	ID               string
	Name             *string
	OrganizationName *string // the upstream names the organization, without its id
	Type             RestoreSessionType
	CreationTime     time.Time
	EndTime          *time.Time
	State            RestoreState
	Result           RestoreResult
	InitiatedBy      *string
	Details          *string
	ScopeName        *string
	ClientHost       *string
	Reason           *string
	ETag             *int64 // v8
}

// Final reports whether the session can no longer change.
func (r *RestoreSession) Final() bool { return r.State == RestoreStopped }

// RestoreEventType is what a restore session event did.
type RestoreEventType string

// Restore event types.
const (
	EventNone        RestoreEventType = "None"
	EventSave        RestoreEventType = "Save"
	EventExport      RestoreEventType = "Export"
	EventSend        RestoreEventType = "Send"
	EventRestore     RestoreEventType = "Restore"
	EventView        RestoreEventType = "View"
	EventTypeUnknown RestoreEventType = "Unknown"
)

// RestoreEventStatus is how an event went.
type RestoreEventStatus string

// Restore event statuses.
const (
	EventRunning       RestoreEventStatus = "Running"
	EventSuccess       RestoreEventStatus = "Success"
	EventWarning       RestoreEventStatus = "Warning"
	EventFailed        RestoreEventStatus = "Failed"
	EventCancelled     RestoreEventStatus = "Cancelled"
	EventSkipped       RestoreEventStatus = "Skipped"
	EventStatusUnknown RestoreEventStatus = "Unknown"
)

// RestoreEvent is one item a restore session handled.
type RestoreEvent struct {
	Origin
	ID            string
	Order         int
	Type          *RestoreEventType
	Status        RestoreEventStatus
	ItemName      *string
	ItemType      *string
	ItemSizeBytes *int64
	Source        *string
	Target        *string
	StartTime     *time.Time
	EndTime       *time.Time
	Duration      *string // as the server writes it, e.g. 00:01:05
	Title         *string
	Message       *string
}

// RestoreStatistics sums up what a restore session restored (v8).
type RestoreStatistics struct {
	TotalItems    int64
	RestoredItems int64
	FailedItems   int64
	SkippedItems  int64
	Warnings      []string
	Errors        []string
}
