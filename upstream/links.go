package upstream

import (
	"errors"
	"net/url"
	"regexp"
	"strings"
)

// Link is what a `_links` href means: a resource collection and an id. The
// href itself is never fetched: v3..v5 servers put their own host name in it
// (often one the gateway cannot resolve), and an href could point anywhere.
// Calls are always rebuilt from (Resource, ID) on the configured origin.
type Link struct {
	Resource string // lower case: "jobs", "jobsessions", "organizations", ...
	ID       string // a validated id
}

var versionSegment = regexp.MustCompile(`^v[0-9]+$`)

// parseLink reads "https://host:4443/v3/jobsessions/{id}/log" or
// "/v6/JobSessions/{id}" into a Link. It accepts any host (the server's own
// name) but only well-formed ids.
func parseLink(href string) (Link, bool) {
	if href == "" {
		return Link{}, false
	}
	u, err := url.Parse(href)
	if err != nil {
		return Link{}, false
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) > 0 && versionSegment.MatchString(strings.ToLower(parts[0])) {
		parts = parts[1:]
	}
	if len(parts) < 2 || parts[0] == "" {
		return Link{}, false
	}
	id, err := url.PathUnescape(parts[1])
	if err != nil || ValidateID(id) != nil {
		return Link{}, false
	}
	return Link{Resource: strings.ToLower(parts[0]), ID: strings.ToLower(id)}, true
}

var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// ErrInvalidID is the client's mistake of an id that is not a VB365 id.
var ErrInvalidID = errors.New("invalid id: expected a UUID such as 00000000-0000-0000-0000-000000000000")

// ValidateID checks that id is a VB365 id (a UUID). Every id that reaches a
// URL passes here first, and is path-escaped as well.
func ValidateID(id string) error {
	if !uuidPattern.MatchString(id) {
		return ErrInvalidID
	}
	return nil
}
