package upstream

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Restore sessions a restore operator opens to explore an organization's
// backups, and closes. Which version does what:
//
//	v3..v5  POST /Organizations/{id}/Action {"explore": {...}}, POST /RestoreSessions/{id}/Action {"stop": null}
//	v6+     POST /Organizations/{id}/explore {...},             POST /RestoreSessions/{id}/Stop

// RestoreKind is what a restore session explores.
type RestoreKind string

// Restore kinds, as the API names them.
const (
	ExploreExchange   RestoreKind = "Vex"
	ExploreOneDrive   RestoreKind = "Veod"
	ExploreSharePoint RestoreKind = "Vesp"
	ExploreTeams      RestoreKind = "Vet"
)

// ExploreOptions say what a restore session shows.
type ExploreOptions struct {
	PointInTime     *time.Time // the backup state to show (nil: the latest)
	ShowDeleted     bool       // items deleted before that time too
	ShowAllVersions bool       // every version of changed items
}

// OpenRestoreSession starts a restore session over an organization's
// backups. It is sent once (see write): a repeat is the caller's to avoid.
func (c *Client) OpenRestoreSession(ctx context.Context, s *Scope, organizationID string, kind RestoreKind, o ExploreOptions) (*RestoreSession, Changed, error) {
	path, err := orgPath(organizationID, "/explore")
	if err != nil {
		return nil, Changed{}, err
	}
	options := map[string]any{"type": string(kind), "showDeleted": o.ShowDeleted, "showAllVersions": o.ShowAllVersions}
	if o.PointInTime != nil {
		options["dateTime"] = o.PointInTime.UTC().Format(time.RFC3339Nano)
	}
	route, body := "POST /Organizations/{id}/explore", options
	if !c.has(ExploreEndpoints) {
		path, _ = orgPath(organizationID, "/Action")
		options["type"] = strings.ToLower(string(kind)) // v3..v5 spell the kinds in lower case
		route, body = "POST /Organizations/{id}/Action", map[string]any{"explore": options}
	}
	payload, _ := json.Marshal(body)
	r, err := c.write(ctx, s, http.MethodPost, route, c.url(path, nil), payload)
	defer r.held.release()
	if err != nil {
		return nil, Changed{Status: r.status}, refused(err, "open a restore session of", "the organization")
	}
	var w wireRestoreSession
	if err := decodeJSON(r.body, &w); err != nil || w.ID == "" {
		return nil, Changed{Status: r.status}, decodeError(route, orMissing(err, "id"))
	}
	m := w.model()
	m.stamp(c.opts.Name)
	c.InvalidateActed(ctx)
	return &m, Changed{Status: r.status}, nil
}

// CloseRestoreSession stops a restore session.
func (c *Client) CloseRestoreSession(ctx context.Context, s *Scope, id string) (Changed, error) {
	if err := ValidateID(id); err != nil {
		return Changed{}, err
	}
	base := "/RestoreSessions/" + url.PathEscape(strings.ToLower(id))
	route, path, payload := "POST /RestoreSessions/{id}/Stop", base+"/Stop", []byte(nil)
	if !c.has(ExploreEndpoints) {
		route, path, payload = "POST /RestoreSessions/{id}/Action", base+"/Action", []byte(`{"stop":null}`)
	}
	r, err := c.write(ctx, s, http.MethodPost, route, c.url(path, nil), payload)
	r.held.release()
	if err == nil {
		c.InvalidateActed(ctx)
	}
	return Changed{Status: r.status}, refused(err, "stop", "the restore session")
}
