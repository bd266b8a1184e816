package upstream

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// An organization's directory. Which version serves what:
//
//	/Organizations/{id}/Users|Groups|Sites|Teams   every version; pages from v5 (with setId from v6),
//	                                               filters from v6 (sites' title from v7), dataSource v7+
//	/Organizations/{id}/Users|Groups|.../{id}      every version
//	/Organizations/{id}/Groups/{id}/Members        every version, paged like the lists
//	/Organizations/{id}/Users/{id}/OneDrives       every version, paged like the lists
//
// A filter the version cannot apply is applied here, over the whole
// listing, so that offsets and totals mean the same on every version.

// Directory lists an organization's objects of one kind.
func (c *Client) Directory(ctx context.Context, s *Scope, organizationID string, kind ObjectType, f DirectoryFilter, p PageRequest) (Page[OrganizationObject], error) {
	col := kind.collection()
	if col == "" {
		return Page[OrganizationObject]{}, nil
	}
	if err := ValidateID(organizationID); err != nil {
		return Page[OrganizationObject]{}, err
	}
	q, err := c.sourceQuery(f.Source)
	if err != nil {
		return Page[OrganizationObject]{}, err
	}
	if kind == ObjectSite && f.IncludePersonalSites {
		q.Set("includePersonalSites", "true")
	}
	upstreamFilters := c.has(DirectoryFilters)
	if kind == ObjectSite {
		upstreamFilters = c.has(SiteTitleFilter)
	}
	if upstreamFilters {
		directoryQuery(q, kind, f)
	}
	path := "/Organizations/" + url.PathEscape(strings.ToLower(organizationID)) + "/" + col
	model := func(w *wireOrganizationObject) OrganizationObject { return w.model(kind, organizationID) }
	fetch := func(p PageRequest) (Page[OrganizationObject], error) {
		return listPage(ctx, c, s, "GET /Organizations/{id}/"+col, path, q, p, c.has(PagedDirectory), model,
			func([]OrganizationObject) time.Duration { return c.opts.Sharing.OrganizationTTL })
	}
	if f.Protected != nil {
		return c.protectedDirectory(ctx, s, organizationID, kind, f, upstreamFilters, fetch, p)
	}
	if upstreamFilters || f.empty() {
		page, err := fetch(p)
		if p.SetID != "" && KindOf(err) == KindBadInput {
			// The server keeps a listing's set for a while only.
			return page, &Error{Kind: KindBadInput, Route: "GET /Organizations/{id}/" + col,
				Message: "the listing this cursor belongs to has expired on the server: ask for the first page again", Err: err}
		}
		return page, err
	}
	all, err := readAll(f.keeps, fetch)
	return windowOf(all, p), err
}

// protectedDirectory pages the objects of a kind whose protection is what
// f asks: the whole listing (read once per scope) against what every
// repository holds (Protections), so 2 + (number of repositories) calls
// whatever the window.
func (c *Client) protectedDirectory(ctx context.Context, s *Scope, organizationID string, kind ObjectType, f DirectoryFilter, upstreamFiltered bool,
	fetch func(PageRequest) (Page[OrganizationObject], error), p PageRequest) (Page[OrganizationObject], error) {
	index, err := c.Protections(ctx, s, organizationID, kind)
	if err != nil {
		return Page[OrganizationObject]{}, err
	}
	key := fmt.Sprintf("directory %s %s %+v", kind, strings.ToLower(organizationID), f)
	all, err := s.once(key, func() (any, error) {
		return readAll(func(o *OrganizationObject) bool {
			pr := index[strings.ToLower(o.ID)]
			return (pr != nil && pr.Protected()) == *f.Protected && (upstreamFiltered || f.keeps(o))
		}, fetch)
	})
	if err != nil {
		return Page[OrganizationObject]{}, err
	}
	return windowOf(all.([]OrganizationObject), p), nil
}

// Protection is what of an object of an organization is backed up, over
// every repository (see Protections): nothing backed up where no
// repository holds it.
func (c *Client) Protection(ctx context.Context, s *Scope, r ObjectRef) (*Protection, error) {
	index, err := c.Protections(ctx, s, r.OrganizationID, r.Type)
	if err != nil {
		return nil, err
	}
	if p := index[strings.ToLower(r.ID)]; p != nil {
		return p, nil
	}
	return &Protection{Origin: Origin{ServerName: c.opts.Name}}, nil
}

// ProtectionCount counts an organization's objects of a kind, and of them
// those with a backup anywhere: the whole directory against Protections.
func (c *Client) ProtectionCount(ctx context.Context, s *Scope, organizationID string, kind ObjectType) (protected, total int, err error) {
	index, err := c.Protections(ctx, s, organizationID, kind)
	if err != nil {
		return 0, 0, err
	}
	all, err := c.wholeDirectory(ctx, s, strings.ToLower(organizationID), kind)
	for i := range all {
		if p := index[strings.ToLower(all[i].ID)]; p != nil && p.Protected() {
			protected++
		}
	}
	return protected, len(all), err
}

// sourceQuery asks for the directory from source: by default the server's
// own copy, where the version keeps one, rather than Microsoft 365 itself.
func (c *Client) sourceQuery(source DataSource) (url.Values, error) {
	q := url.Values{}
	switch {
	case source != "":
		if err := c.require(LocalDirectory); err != nil {
			return nil, err
		}
		q.Set("dataSource", string(source))
	case c.has(LocalDirectory):
		q.Set("dataSource", string(PreferLocal))
	}
	return q, nil
}

// directoryQuery puts f's text and location filters in q, under the names
// the kind's listing takes.
func directoryQuery(q url.Values, kind ObjectType, f DirectoryFilter) {
	set := func(name, value string) {
		if value != "" {
			q.Set(name, value)
		}
	}
	switch kind {
	case ObjectUser:
		set("userName", f.Name)
	case ObjectGroup:
		set("groupName", f.Name)
	case ObjectSite:
		set("filter", f.DisplayName)
		return
	}
	set("displayName", f.DisplayName)
	if f.Location != nil && kind != ObjectTeam {
		q.Set("locationFilter", string(*f.Location))
	}
}

// empty reports whether f has no text or location filter.
func (f DirectoryFilter) empty() bool {
	return f.Name == "" && f.DisplayName == "" && f.Location == nil
}

// keeps applies f as the server does: text contained, ignoring case.
// (Which filters a kind takes is the schema's to say: sites and teams take
// no name, nor sites and teams a location.)
func (f DirectoryFilter) keeps(o *OrganizationObject) bool {
	contains := func(have *string, want string) bool {
		return want == "" || have != nil && strings.Contains(strings.ToLower(*have), strings.ToLower(want))
	}
	if !contains(o.Address, f.Name) || !contains(&o.DisplayName, f.DisplayName) {
		return false
	}
	return f.Location == nil || o.Location == nil || f.Location.admits(*o.Location)
}

// admits reports whether an object at l passes the filter.
func (f LocationFilter) admits(l Location) bool {
	switch f {
	case InCloud, InOnPremises, InHybrid:
		return string(f) == string(l)
	case InCloudOrHybrid:
		return l == LocationCloud || l == LocationHybrid
	case InOnPremisesOrHybrid:
		return l == LocationOnPremises || l == LocationHybrid
	}
	return true
}

// OrganizationObjects reads the organization's users, groups, sites or
// teams that refs name. No endpoint takes several ids: where a batch names
// ListThreshold or more of one organization's kind, or its whole listing
// has been started in the scope, that listing answers (read once per
// scope) and the ids it lacks are asked one by one; else each is asked,
// concurrently. Results align with refs; a ref of an unknown type
// is nil.
func (c *Client) OrganizationObjects(ctx context.Context, s *Scope, refs []ObjectRef) ([]*OrganizationObject, []error) {
	out, errs := make([]*OrganizationObject, len(refs)), make([]error, len(refs))
	groups := map[ObjectRef]int{} // by organization and kind (no id)
	for _, r := range refs {
		groups[ObjectRef{OrganizationID: strings.ToLower(r.OrganizationID), Type: r.Type}]++
	}
	listed := map[ObjectRef]map[string]*OrganizationObject{}
	for g, n := range groups {
		listing := c.opts.ListThreshold > 0 && n >= c.opts.ListThreshold || s.started(wholeDirectoryKey(g.OrganizationID, g.Type))
		if !listing || g.Type.collection() == "" || ValidateID(g.OrganizationID) != nil {
			continue
		}
		all, err := c.wholeDirectory(ctx, s, g.OrganizationID, g.Type)
		if err != nil {
			continue // asked one by one instead
		}
		byID := map[string]*OrganizationObject{}
		for i := range all {
			byID[strings.ToLower(all[i].ID)] = &all[i]
		}
		listed[g] = byID
	}
	var ask []int
	for i, r := range refs {
		if o := listed[ObjectRef{OrganizationID: strings.ToLower(r.OrganizationID), Type: r.Type}][strings.ToLower(r.ID)]; o != nil {
			copied := *o
			out[i] = &copied
			continue
		}
		ask = append(ask, i)
	}
	asked, askErrs := fanOut(ctx, s, len(ask), func(j int) (*OrganizationObject, error) { return c.organizationObject(ctx, s, refs[ask[j]]) })
	for j, i := range ask {
		out[i], errs[i] = asked[j], askErrs[j]
	}
	return out, errs
}

func wholeDirectoryKey(organizationID string, kind ObjectType) string {
	return "directory " + string(kind) + " " + organizationID
}

// wholeDirectory is an organization's whole listing of a kind, read once
// per scope: a batch of its ids that comes after the listing has started
// joins it, whatever its size.
func (c *Client) wholeDirectory(ctx context.Context, s *Scope, organizationID string, kind ObjectType) ([]OrganizationObject, error) {
	all, err := s.once(wholeDirectoryKey(organizationID, kind), func() (any, error) {
		return readAll(nil, func(p PageRequest) (Page[OrganizationObject], error) {
			return c.Directory(ctx, s, organizationID, kind, DirectoryFilter{}, p)
		})
	})
	if err != nil {
		return nil, err
	}
	return all.([]OrganizationObject), nil
}

func (c *Client) organizationObject(ctx context.Context, s *Scope, r ObjectRef) (*OrganizationObject, error) {
	col := r.Type.collection()
	if col == "" {
		return nil, nil
	}
	if err := ValidateID(r.OrganizationID); err != nil {
		return nil, err
	}
	if err := ValidateID(r.ID); err != nil {
		return nil, err
	}
	path := "/Organizations/" + url.PathEscape(strings.ToLower(r.OrganizationID)) + "/" + col + "/" + url.PathEscape(strings.ToLower(r.ID))
	q, _ := c.sourceQuery("")
	req := request{route: "GET /Organizations/{id}/" + col + "/{id}", target: c.url(path, q)}
	return fetch(ctx, c, s, req, func(body []byte) (*OrganizationObject, time.Duration, error) {
		var w wireOrganizationObject
		if err := decodeJSON(body, &w); err != nil || w.ID == "" {
			return nil, 0, orMissing(err, "id")
		}
		o := w.model(r.Type, r.OrganizationID)
		o.stamp(c.opts.Name)
		return &o, c.opts.Sharing.OrganizationTTL, nil
	})
}

// GroupMembers lists a group's members.
func (c *Client) GroupMembers(ctx context.Context, s *Scope, organizationID, groupID string, p PageRequest) (Page[GroupMember], error) {
	for _, id := range []string{organizationID, groupID} {
		if err := ValidateID(id); err != nil {
			return Page[GroupMember]{}, err
		}
	}
	q, _ := c.sourceQuery("")
	path := "/Organizations/" + url.PathEscape(strings.ToLower(organizationID)) + "/Groups/" + url.PathEscape(strings.ToLower(groupID)) + "/Members"
	return listPage(ctx, c, s, "GET /Organizations/{id}/Groups/{id}/Members", path, q, p, c.has(PagedDirectory),
		func(w *wireGroupMember) GroupMember { return w.model(organizationID, groupID) },
		func([]GroupMember) time.Duration { return c.opts.Sharing.OrganizationTTL })
}

// OneDrives reads the OneDrives of the users refs name (their organization
// and id; the type is not read), concurrently. Results align with refs.
func (c *Client) OneDrives(ctx context.Context, s *Scope, refs []ObjectRef) ([][]OneDrive, []error) {
	return fanOut(ctx, s, len(refs), func(i int) ([]OneDrive, error) {
		r := refs[i]
		for _, id := range []string{r.OrganizationID, r.ID} {
			if err := ValidateID(id); err != nil {
				return nil, err
			}
		}
		path := "/Organizations/" + url.PathEscape(strings.ToLower(r.OrganizationID)) + "/Users/" + url.PathEscape(strings.ToLower(r.ID)) + "/OneDrives"
		return readAll(nil, func(p PageRequest) (Page[OneDrive], error) {
			return listPage(ctx, c, s, "GET /Organizations/{id}/Users/{id}/OneDrives", path, nil, p, c.has(PagedDirectory),
				(*wireOneDrive).model, func([]OneDrive) time.Duration { return c.opts.Sharing.OrganizationTTL })
		})
	})
}
