package model

import (
	"github.com/vb365-graphql/vb365-graphql/exports"
	"github.com/vb365-graphql/vb365-graphql/upstream"
)

// The mutations' payloads name the job they acted on, and its server; the
// job itself is read only when selected (its resolver), after the action.

// StartJobPayload is what startJob answers.
type StartJobPayload struct {
	ClientMutationID *string
	ServerName       string
	JobID            string
	Session          *JobSession
}

// JobActionPayload is what stopJob, enableJob and disableJob answer.
type JobActionPayload struct {
	ClientMutationID *string
	ServerName       string
	JobID            string
}

// StartCopyJobPayload is what startCopyJob answers.
type StartCopyJobPayload struct {
	ClientMutationID *string
	ServerName       string
	CopyJobID        string
	Session          *JobSession
}

// CopyJobActionPayload is what the other copy job actions answer.
type CopyJobActionPayload struct {
	ClientMutationID *string
	ServerName       string
	CopyJobID        string
}

// SyncOrganizationPayload is what syncOrganization answers.
type SyncOrganizationPayload struct {
	ClientMutationID *string
	ServerName       string
	OrganizationID   string
}

// SynchronizeRepositoryPayload is what synchronizeRepository answers.
type SynchronizeRepositoryPayload struct {
	ClientMutationID *string
	ServerName       string
	RepositoryID     string
	State            string
	ProgressPercent  *int
	Error            *string
}

// RevokeLicensePayload is what revokeLicense answers.
type RevokeLicensePayload struct {
	ClientMutationID *string
	LicensedUserID   string
}

// ProxyMaintenancePayload is what setProxyMaintenance answers.
type ProxyMaintenancePayload struct {
	ClientMutationID *string
	ServerName       string
	ProxyID          string
}

// RestoreSessionPayload is what openRestoreSession and closeRestoreSession
// answer.
type RestoreSessionPayload struct {
	ClientMutationID *string
	ServerName       string
	RestoreSessionID string
}

// RestoreItemsPayload is what restoreItems answers.
type RestoreItemsPayload struct {
	ClientMutationID *string
	ServerName       string
	RestoreSessionID string
	RunsOn           bool
	CreatedItems     *int64
	MergedItems      *int64
	FailedItems      *int64
	SkippedItems     *int64
	Warnings         []string
}

// ExportPayload is what exportItems answers.
type ExportPayload struct {
	ClientMutationID *string
	Export           *exports.Export
}

// SendItemsPayload is what sendItems answers.
type SendItemsPayload struct {
	ClientMutationID *string
	ServerName       string
	RestoreSessionID string
}

// RestoreDeviceCodePayload is what requestRestoreDeviceCode answers.
type RestoreDeviceCodePayload struct {
	ClientMutationID *string
	upstream.DeviceCode
}
