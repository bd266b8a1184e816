package upstream

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Tenant and licence hygiene: an organization's directory sync, the
// license's automatic update and usage, the restore portal, and the
// operator's actions on them. Which version serves what:
//
//	GET  /Organizations/{id}/SyncState, POST /Organizations/{id}/Sync   v7+
//	GET  /License/AutoUpdate, GET /RestorePortalSettings               v6+
//	GET  /licensing/statistic/usage                                     v7+
//	DELETE /LicensedUsers/{id}, POST /BackupRepositories/{id}/Sync     v6+

// SyncType is a kind of directory synchronization.
type SyncType string

// Sync types.
const (
	SyncIncremental SyncType = "Incremental"
	SyncFull        SyncType = "Full"
	SyncUnknown     SyncType = "Unknown"
)

// SyncState is what an organization's directory synchronization did last
// and does now.
type SyncState struct {
	Last    *LastSync
	Current *CurrentSync
}

// LastSync is the latest finished synchronization.
type LastSync struct {
	Type      SyncType
	Succeeded bool
	StartTime *time.Time
	EndTime   *time.Time
	Error     *string
}

// CurrentSync is a synchronization queued or running.
type CurrentSync struct {
	Type          SyncType
	Running       bool // else queued
	ScheduledTime *time.Time
	StartTime     *time.Time
}

type wireSyncState struct {
	LastSyncState *struct {
		Type      string     `json:"type"`
		Result    string     `json:"result"`
		StartTime *time.Time `json:"startTime"`
		EndTime   *time.Time `json:"endTime"`
		Error     *string    `json:"error"`
	} `json:"lastSyncState"`
	CurrentSyncState *struct {
		Type          string     `json:"type"`
		ScheduledTime *time.Time `json:"scheduledTime"`
		StartTime     *time.Time `json:"startTime"`
		Status        string     `json:"status"`
	} `json:"currentSyncState"`
}

func syncTypeOf(s string) SyncType {
	switch SyncType(s) {
	case SyncIncremental, SyncFull:
		return SyncType(s)
	}
	return SyncUnknown
}

func (w *wireSyncState) model() SyncState {
	var out SyncState
	if l := w.LastSyncState; l != nil {
		out.Last = &LastSync{Type: syncTypeOf(l.Type), Succeeded: l.Result == "Success", StartTime: l.StartTime, EndTime: l.EndTime, Error: l.Error}
	}
	// A server with nothing queued answers an empty current state.
	if c := w.CurrentSyncState; c != nil && (c.Status == "Queued" || c.Status == "Running") {
		out.Current = &CurrentSync{Type: syncTypeOf(c.Type), Running: c.Status == "Running", ScheduledTime: c.ScheduledTime, StartTime: c.StartTime}
	}
	return out
}

func orgPath(organizationID, rest string) (string, error) {
	if err := ValidateID(organizationID); err != nil {
		return "", err
	}
	return "/Organizations/" + url.PathEscape(strings.ToLower(organizationID)) + rest, nil
}

// SyncState reads an organization's directory synchronization (v7+).
func (c *Client) SyncState(ctx context.Context, s *Scope, organizationID string) (*SyncState, error) {
	if err := c.require(OrganizationSync); err != nil {
		return nil, err
	}
	path, err := orgPath(organizationID, "/SyncState")
	if err != nil {
		return nil, err
	}
	req := request{route: "GET /Organizations/{id}/SyncState", target: c.url(path, nil)}
	return fetch(ctx, c, s, req, func(body []byte) (*SyncState, time.Duration, error) {
		var w wireSyncState
		if err := decodeJSON(body, &w); err != nil {
			return nil, 0, err
		}
		m := w.model()
		return &m, c.opts.Sharing.LiveTTL, nil
	})
}

// Changed is what an operator's action on the estate was answered: the
// upstream's status, for the audit log.
type Changed struct {
	Status int
}

// SyncOrganization starts a synchronization of an organization's
// directory with Microsoft 365 (v7+).
func (c *Client) SyncOrganization(ctx context.Context, s *Scope, organizationID string, t SyncType) (Changed, error) {
	if err := c.require(OrganizationSync); err != nil {
		return Changed{}, err
	}
	path, err := orgPath(organizationID, "/Sync")
	if err != nil {
		return Changed{}, err
	}
	body, _ := json.Marshal(map[string]string{"type": string(t)})
	r, err := c.write(ctx, s, http.MethodPost, "POST /Organizations/{id}/Sync", c.url(path, nil), body)
	r.held.release()
	if err == nil {
		c.InvalidateActed(ctx)
	}
	return Changed{Status: r.status}, refused(err, "synchronize", "the organization (is one running?)")
}

// RepositorySync is a repository's synchronization session.
type RepositorySync struct {
	ID              *string
	State           string // None, Synchronizing, Failed
	ProgressPercent *int
	Error           *string
}

// SynchronizeRepository starts a repository's synchronization with its
// storage (v6+): what an operator does after restoring or moving it.
func (c *Client) SynchronizeRepository(ctx context.Context, s *Scope, repositoryID string) (*RepositorySync, Changed, error) {
	if err := c.require(RepositorySynchronization); err != nil {
		return nil, Changed{}, err
	}
	if err := ValidateID(repositoryID); err != nil {
		return nil, Changed{}, err
	}
	path := "/BackupRepositories/" + url.PathEscape(strings.ToLower(repositoryID)) + "/Sync"
	r, err := c.write(ctx, s, http.MethodPost, "POST /BackupRepositories/{id}/Sync", c.url(path, nil), nil)
	defer r.held.release()
	if err != nil {
		return nil, Changed{Status: r.status}, refused(err, "synchronize", "the repository")
	}
	c.InvalidateActed(ctx)
	var w struct {
		ID              *string `json:"id"`
		State           *string `json:"state"`
		ProgressPercent *int    `json:"progressPercent"`
		Error           *string `json:"error"`
	}
	if len(r.body) > 0 {
		if err := decodeJSON(r.body, &w); err != nil {
			return nil, Changed{Status: r.status}, decodeError("POST /BackupRepositories/{id}/Sync", err)
		}
	}
	if w.Error != nil && *w.Error == "" {
		w.Error = nil
	}
	state := "Synchronizing"
	if w.State != nil {
		state = *w.State
	}
	return &RepositorySync{ID: w.ID, State: state, ProgressPercent: w.ProgressPercent, Error: w.Error}, Changed{Status: r.status}, nil
}

// RevokeLicense takes a licensed user's license back (v6+): it is free
// for another user until the user is backed up again.
func (c *Client) RevokeLicense(ctx context.Context, s *Scope, licensedUserID string) (Changed, error) {
	if err := c.require(LicenseRevocation); err != nil {
		return Changed{}, err
	}
	if err := ValidateID(licensedUserID); err != nil {
		return Changed{}, err
	}
	path := "/LicensedUsers/" + url.PathEscape(strings.ToLower(licensedUserID))
	r, err := c.write(ctx, s, http.MethodDelete, "DELETE /LicensedUsers/{id}", c.url(path, nil), nil)
	r.held.release()
	if err == nil {
		c.InvalidateActed(ctx)
	}
	return Changed{Status: r.status}, refused(err, "revoke", "the license")
}

// LicenseAutoUpdate reads whether the license updates itself (v6+).
func (c *Client) LicenseAutoUpdate(ctx context.Context, s *Scope) (*bool, error) {
	if err := c.require(LicenseAutoUpdate); err != nil {
		return nil, err
	}
	req := request{route: "GET /License/AutoUpdate", target: c.url("/License/AutoUpdate", nil)}
	return fetch(ctx, c, s, req, func(body []byte) (*bool, time.Duration, error) {
		var w struct {
			IsEnabled *bool `json:"isEnabled"`
		}
		err := decodeJSON(body, &w)
		return w.IsEnabled, c.opts.Sharing.OrganizationTTL, err
	})
}

// LicenseUsage is what an organization's users take of the license.
type LicenseUsage struct {
	OrganizationID *string
	Name           string
	UsedObjects    int
	UsedPoints     float64
	NewObjects     int
	NewPoints      float64
}

// LicenseUsages reads the license usage of every organization (v7+), one
// call for all of them.
func (c *Client) LicenseUsages(ctx context.Context, s *Scope) ([]LicenseUsage, error) {
	if err := c.require(LicenseUsageStatistics); err != nil {
		return nil, err
	}
	req := request{route: "GET /licensing/statistic/usage", target: c.url("/licensing/statistic/usage", nil)}
	return fetch(ctx, c, s, req, func(body []byte) ([]LicenseUsage, time.Duration, error) {
		var w struct {
			PlatformTypes []struct {
				Organizations []struct {
					OrganizationID   *string `json:"organizationId"`
					OrganizationName string  `json:"organizationName"`
					UsedObjectsCount int     `json:"usedObjectsCount"`
					UsedPoints       float64 `json:"usedPoints"`
					NewObjectsCount  int     `json:"newObjectsCount"`
					NewPoints        float64 `json:"newPoints"`
				} `json:"organizations"`
			} `json:"platformTypes"`
		}
		if err := decodeJSON(body, &w); err != nil {
			return nil, 0, err
		}
		var out []LicenseUsage
		for _, p := range w.PlatformTypes {
			for _, o := range p.Organizations {
				out = append(out, LicenseUsage{OrganizationID: o.OrganizationID, Name: o.OrganizationName,
					UsedObjects: o.UsedObjectsCount, UsedPoints: o.UsedPoints, NewObjects: o.NewObjectsCount, NewPoints: o.NewPoints})
			}
		}
		return out, c.opts.Sharing.OrganizationTTL, nil
	})
}

// RestorePortal is the server's self-service restore portal.
type RestorePortal struct {
	Enabled          bool
	ApplicationID    *string
	PortalURL        *string
	MSALAuthorityURL *string
}

// RestorePortalSettings reads the restore portal's settings (v6+).
func (c *Client) RestorePortalSettings(ctx context.Context, s *Scope) (*RestorePortal, error) {
	if err := c.require(RestorePortalSettings); err != nil {
		return nil, err
	}
	req := request{route: "GET /RestorePortalSettings", target: c.url("/RestorePortalSettings", nil)}
	return fetch(ctx, c, s, req, func(body []byte) (*RestorePortal, time.Duration, error) {
		var w struct {
			ApplicationID    *string `json:"applicationId"`
			MSALAuthorityURI *string `json:"msalAuthorityUri"`
			RestorePortalURI *string `json:"restorePortalUri"`
			IsEnabled        bool    `json:"isEnabled"`
		}
		err := decodeJSON(body, &w)
		return &RestorePortal{Enabled: w.IsEnabled, ApplicationID: w.ApplicationID, PortalURL: w.RestorePortalURI, MSALAuthorityURL: w.MSALAuthorityURI},
			c.opts.Sharing.OrganizationTTL, err
	})
}

// refused is an upstream's 400 or 409 to an action on the estate as the
// action's refusal (ACTION_REFUSED); other errors as they are.
func refused(err error, a Action, object string) error {
	var e *Error
	if errors.As(err, &e) && (e.Status == http.StatusBadRequest || e.Status == http.StatusConflict) {
		return &ActionError{Action: a, Object: object, Err: err}
	}
	return err
}

// Credentials are an account's that the server asks for and the gateway's
// operator configures, never a client: a Windows backup proxy's
// administrator's (v8 asks for them to switch its maintenance mode), or a
// Microsoft 365 account to restore with.
type Credentials struct {
	Username string
	Password string
}

// String keeps the password out of anything that prints the credentials.
func (p Credentials) String() string { return p.Username + " (password hidden)" }

// ProxyMaintenance switches a proxy's maintenance mode on or off (v8).
func (c *Client) ProxyMaintenance(ctx context.Context, s *Scope, proxyID string, on bool, creds Credentials) (Changed, error) {
	if err := c.require(ProxyMaintenanceMode); err != nil {
		return Changed{}, err
	}
	if err := ValidateID(proxyID); err != nil {
		return Changed{}, err
	}
	which := "disable"
	if on {
		which = "enable"
	}
	body, _ := json.Marshal(map[string]string{"username": creds.Username, "password": creds.Password})
	path := "/Proxies/" + url.PathEscape(strings.ToLower(proxyID)) + "/maintenance/" + which
	r, err := c.write(ctx, s, http.MethodPost, "POST /Proxies/{id}/maintenance/"+which, c.url(path, nil), body)
	r.held.release()
	if err == nil {
		c.InvalidateActed(ctx)
	}
	return Changed{Status: r.status}, refused(err, Action(which+" maintenance of"), "the proxy")
}
