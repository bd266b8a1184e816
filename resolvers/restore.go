package resolvers

import (
	"context"
	"strings"
	"time"

	"github.com/vb365-graphql/vb365-graphql/graph"
	"github.com/vb365-graphql/vb365-graphql/graph/model"
	"github.com/vb365-graphql/vb365-graphql/upstream"
)

// pagedConnection pages a listing the upstream pages, as a Relay connection.
func pagedConnection[T any](w window, fetch func(upstream.PageRequest) (upstream.Page[T], error)) (*model.Connection[T], error) {
	page, err := fetchWindow(w, fetch)
	if err != nil {
		return nil, err
	}
	return connection(page), nil
}

// restorePointsWhere pages the restore points f selects, newest first over
// the servers, through each server's loader (the points of a list of jobs
// go out together, within the concurrency bound).
func restorePointsWhere(ctx context.Context, w window, servers []string, f upstream.RestorePointFilter) (*model.RestorePointConnection, error) {
	for _, id := range []string{f.JobID, f.OrganizationID, f.RepositoryID} {
		if id != "" {
			if err := upstream.ValidateID(id); err != nil {
				return nil, err
			}
		}
	}
	return across(ctx, w, servers, func(ctx context.Context, so *serverOp, p upstream.PageRequest) (upstream.Page[upstream.RestorePoint], error) {
		return so.RestorePoints(ctx, f, p)
	}, func(a, b *upstream.RestorePoint) int { return b.BackupTime.Compare(a.BackupTime) })
}

// objectOf reads what its organization says of a processed object (nil:
// the link to it is missing).
func objectOf(ctx context.Context, obj *upstream.ProcessedObject) (*upstream.OrganizationObject, error) {
	if obj.OrganizationID == nil {
		return nil, nil
	}
	ref := upstream.ObjectRef{OrganizationID: strings.ToLower(*obj.OrganizationID), Type: obj.Type, ID: strings.ToLower(obj.ID)}
	return part(ctx, obj.ServerName).OrganizationObject(ctx, ref)
}

// messagesOf finds the warning and error lines of the session's log that
// name the object, by its address or its name.
func messagesOf(ctx context.Context, obj *upstream.ProcessedObject) ([]*upstream.LogItem, error) {
	o, err := objectOf(ctx, obj)
	if err != nil || o == nil {
		return []*upstream.LogItem{}, err
	}
	var names []string
	for _, n := range []string{deref(o.Address), o.DisplayName} {
		if n != "" {
			names = append(names, strings.ToLower(n))
		}
	}
	log, err := part(ctx, obj.ServerName).WholeLog(ctx, obj.SessionID)
	if err != nil {
		return nil, err
	}
	out := []*upstream.LogItem{}
	for i := range log {
		item := &log[i]
		if item.Type != upstream.LogWarning && item.Type != upstream.LogError {
			continue
		}
		text := strings.ToLower(item.Message + " " + item.Title)
		for _, n := range names {
			if strings.Contains(text, n) {
				out = append(out, item)
				break
			}
		}
	}
	return out, nil
}

// organizationNamed finds the organization a restore session names, in its
// server's organization collection (one call, shared by the operation).
func organizationNamed(ctx context.Context, rs *upstream.RestoreSession) (*model.Organization, error) {
	name := rs.OrganizationName
	if name == nil {
		return nil, nil
	}
	so := part(ctx, rs.ServerName)
	all, err := so.Organizations(ctx)
	if err != nil {
		return nil, err
	}
	for i := range all {
		if strings.EqualFold(all[i].Name, *name) {
			return &all[i], nil
		}
	}
	return nil, nil
}

// restorePointsOf pages the restore points that hold an organization's
// user, group, site or team (v8).
func restorePointsOf(ctx context.Context, o *upstream.OrganizationObject, w window, after, before *time.Time) (*model.RestorePointConnection, error) {
	f := upstream.RestorePointFilter{OrganizationID: o.OrganizationID, Object: &upstream.ObjectRef{OrganizationID: o.OrganizationID, Type: o.Type, ID: o.ID}, After: after, Before: before}
	return restorePointsWhere(ctx, w, []string{o.ServerName}, f)
}

// objectNamed is the object one of a list's object filters names (nil:
// none), or an error where several are given.
func objectNamed(userID, groupID, siteID, teamID *string) (*upstream.ObjectRef, error) {
	var out *upstream.ObjectRef
	for _, o := range []struct {
		id   *string
		kind upstream.ObjectType
	}{{userID, upstream.ObjectUser}, {groupID, upstream.ObjectGroup}, {siteID, upstream.ObjectSite}, {teamID, upstream.ObjectTeam}} {
		if o.id == nil || *o.id == "" {
			continue
		}
		if out != nil {
			return nil, graph.BadInput("give at most one of userId, groupId, siteId and teamId")
		}
		if err := upstream.ValidateID(*o.id); err != nil {
			return nil, err
		}
		out = &upstream.ObjectRef{Type: o.kind, ID: *o.id}
	}
	return out, nil
}
