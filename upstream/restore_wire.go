package upstream

// Decoding what was backed up and restored, whatever the version (see
// wire.go for the flexible number, date and link types).

type wireProcessedObject struct {
	ID     string    `json:"id"`
	Type   string    `json:"type"`
	Status string    `json:"status"`
	Links  wireLinks `json:"_links"`
}

func (w *wireProcessedObject) model(sessionID string) ProcessedObject {
	o := ProcessedObject{ID: w.ID, SessionID: sessionID,
		Type:   oneOf(w.Type, ObjectUnknown, ObjectUser, ObjectGroup, ObjectSite, ObjectTeam),
		Status: oneOf(w.Status, ObjectStatusUnknown, ObjectSuccess, ObjectWarning, ObjectFailed)}
	// The link to the object itself sits under the organization:
	// /Organizations/{id}/Users/{id}.
	for _, rel := range []string{"user", "group", "site", "team"} {
		if l, ok := parseLink(w.Links[rel].Href); ok && l.Resource == "organizations" {
			o.OrganizationID = &l.ID
			break
		}
	}
	return o
}

type wireRestorePoint struct {
	ID                    string    `json:"id"`
	BackupTime            flexTime  `json:"backupTime"`
	JobID                 *string   `json:"jobId"`
	OrganizationID        *string   `json:"organizationId"`
	RepositoryID          *string   `json:"repositoryId"`
	IsExchange            bool      `json:"isExchange"`
	IsSharePoint          bool      `json:"isSharePoint"`
	IsOneDrive            bool      `json:"isOneDrive"`
	IsTeams               bool      `json:"isTeams"`
	IsLongTermCopy        bool      `json:"isLongTermCopy"`
	IsCopy                *bool     `json:"isCopy"`
	IsRetrieved           bool      `json:"isRetrieved"`
	IsDeleted             *bool     `json:"isDeleted"`
	ImmutabilityExpiresOn flexTime  `json:"immutabilityExpiresOn"`
	Links                 wireLinks `json:"_links"`
}

func (w *wireRestorePoint) model() RestorePoint {
	return RestorePoint{
		ID: w.ID, BackupTime: w.BackupTime.Value,
		JobID:          linkedID(w.JobID, w.Links, "job", "jobs"),
		OrganizationID: linkedID(w.OrganizationID, w.Links, "organization", "organizations"),
		RepositoryID:   linkedID(w.RepositoryID, w.Links, "backupRepository", "backuprepositories"),
		IsExchange:     w.IsExchange, IsSharePoint: w.IsSharePoint, IsOneDrive: w.IsOneDrive, IsTeams: w.IsTeams,
		IsLongTermCopy: w.IsLongTermCopy, IsCopy: w.IsCopy, IsRetrieved: w.IsRetrieved, IsDeleted: w.IsDeleted,
		ImmutabilityExpiresOn: w.ImmutabilityExpiresOn.ptr(),
	}
}

type wireRestoreSession struct {
	ID           string    `json:"id"`
	Name         *string   `json:"name"`
	Organization *string   `json:"organization"`
	Type         string    `json:"type"`
	CreationTime flexTime  `json:"creationTime"`
	EndTime      flexTime  `json:"endTime"`
	State        string    `json:"state"`
	Result       string    `json:"result"`
	InitiatedBy  *string   `json:"initiatedBy"`
	Details      *string   `json:"details"`
	ScopeName    *string   `json:"scopeName"`
	ClientHost   *string   `json:"clientHost"`
	Reason       *string   `json:"reason"`
	ETag         flexInt64 `json:"eTag"`
}

func (w *wireRestoreSession) model() RestoreSession {
	return RestoreSession{
		ID: w.ID, Name: w.Name, OrganizationName: w.Organization,
		Type:         oneOf(w.Type, RestoreUnknown, RestoreExchange, RestoreOneDrive, RestoreSharePoint, RestoreTeams),
		CreationTime: w.CreationTime.Value, EndTime: w.EndTime.ptr(),
		State:       oneOf(w.State, RestoreStateUnknown, RestoreWorking, RestoreStopped),
		Result:      oneOf(w.Result, RestoreResultUnknown, RestoreSuccess, RestoreWarning, RestoreFailed),
		InitiatedBy: w.InitiatedBy, Details: w.Details, ScopeName: nonEmpty(w.ScopeName), ClientHost: w.ClientHost,
		Reason: nonEmpty(w.Reason), ETag: w.ETag.int64Ptr(),
	}
}

type wireRestoreEvent struct {
	ID        string    `json:"id"`
	Order     flexInt64 `json:"order"`
	Type      *string   `json:"type"`
	Status    string    `json:"status"`
	ItemName  *string   `json:"itemName"`
	ItemType  *string   `json:"itemType"`
	ItemSize  flexInt64 `json:"itemSizeBytes"`
	Source    *string   `json:"source"`
	Target    *string   `json:"target"`
	StartTime flexTime  `json:"startTime"`
	EndTime   flexTime  `json:"endTime"`
	Duration  *string   `json:"duration"`
	Title     *string   `json:"title"`
	Message   *string   `json:"message"`
}

func (w *wireRestoreEvent) model() RestoreEvent {
	return RestoreEvent{
		ID: w.ID, Order: int(deref(w.Order.int64Ptr())),
		Type:     optOneOf(w.Type, EventTypeUnknown, EventNone, EventSave, EventExport, EventSend, EventRestore, EventView),
		Status:   oneOf(w.Status, EventStatusUnknown, EventRunning, EventSuccess, EventWarning, EventFailed, EventCancelled, EventSkipped),
		ItemName: w.ItemName, ItemType: w.ItemType, ItemSizeBytes: w.ItemSize.int64Ptr(), Source: w.Source, Target: w.Target,
		StartTime: w.StartTime.ptr(), EndTime: w.EndTime.ptr(), Duration: w.Duration, Title: w.Title, Message: w.Message,
	}
}

type wireRestoreStatistics struct {
	TotalItemsCount    flexInt64 `json:"totalItemsCount"`
	RestoredItemsCount flexInt64 `json:"restoredItemsCount"`
	FailedItemsCount   flexInt64 `json:"failedItemsCount"`
	SkippedItemsCount  flexInt64 `json:"skippedItemsCount"`
	Warnings           []string  `json:"warnings"`
	Errors             []string  `json:"errors"`
}

func (w *wireRestoreStatistics) model() *RestoreStatistics {
	return &RestoreStatistics{
		TotalItems: deref(w.TotalItemsCount.int64Ptr()), RestoredItems: deref(w.RestoredItemsCount.int64Ptr()),
		FailedItems: deref(w.FailedItemsCount.int64Ptr()), SkippedItems: deref(w.SkippedItemsCount.int64Ptr()),
		Warnings: orEmpty(w.Warnings), Errors: orEmpty(w.Errors),
	}
}

// nonEmpty is nil for an empty string: the server sends "" for "none".
func nonEmpty(s *string) *string {
	if s == nil || *s == "" {
		return nil
	}
	return s
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
