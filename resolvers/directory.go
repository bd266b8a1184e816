package resolvers

import (
	"context"
	"strings"

	"github.com/vb365-graphql/vb365-graphql/graph/model"
	"github.com/vb365-graphql/vb365-graphql/upstream"
)

// directory pages an organization's objects of a kind, as the graph's type
// for the kind. Its cursors carry the server's result set (setId), which
// the next page must name.
func directory[M any](ctx context.Context, org *model.Organization, kind upstream.ObjectType, w window, f upstream.DirectoryFilter,
	as func(upstream.OrganizationObject) M) (*model.Connection[M], error) {
	so := part(ctx, org.ServerName)
	return pagedConnection(w, func(p upstream.PageRequest) (upstream.Page[M], error) {
		page, err := so.Directory(ctx, org.ID, kind, f, p)
		return mapPage(page, as), err
	})
}

// directoryObject is an organization's object of a kind by its id: nil
// where its organization is not known, or no longer has it.
func directoryObject[M any](ctx context.Context, server string, organizationID *string, kind upstream.ObjectType, id string, as func(*upstream.OrganizationObject) M) (M, error) {
	var none M
	if organizationID == nil || *organizationID == "" || id == "" {
		return none, nil
	}
	o, err := part(ctx, server).OrganizationObject(ctx, *dataRef(organizationID, kind, id))
	if o == nil || upstream.KindOf(err) == upstream.KindNotFound {
		return none, nil
	}
	return as(o), err
}

func asUser(o *upstream.OrganizationObject) *model.OrganizationUser {
	return (*model.OrganizationUser)(o)
}
func asGroup(o *upstream.OrganizationObject) *model.OrganizationGroup {
	return (*model.OrganizationGroup)(o)
}
func asSite(o *upstream.OrganizationObject) *model.OrganizationSite {
	return (*model.OrganizationSite)(o)
}
func asTeam(o *upstream.OrganizationObject) *model.OrganizationTeam {
	return (*model.OrganizationTeam)(o)
}

// oneDrivesOf are a user's OneDrives, batched with every other user's of
// the level.
func oneDrivesOf(ctx context.Context, u *model.OrganizationUser) ([]*upstream.OneDrive, error) {
	ref := upstream.ObjectRef{OrganizationID: strings.ToLower(u.OrganizationID), Type: upstream.ObjectUser, ID: strings.ToLower(u.ID)}
	drives, err := part(ctx, u.ServerName).OneDrives(ctx, ref)
	return pointers(drives), err
}

// protectionOf is what of an object is backed up over every repository.
func protectionOf(ctx context.Context, o *upstream.OrganizationObject) (*upstream.Protection, error) {
	ref := upstream.ObjectRef{OrganizationID: o.OrganizationID, Type: o.Type, ID: o.ID}
	return part(ctx, o.ServerName).Protection(ctx, ref)
}

// repositoriesOf are the repositories that hold a protected object, through
// the repository loader (the listing Protections read already).
func repositoriesOf(ctx context.Context, p *upstream.Protection) ([]*model.BackupRepository, error) {
	so := part(ctx, p.ServerName)
	thunks := make([]func() (*upstream.BackupRepository, error), len(p.RepositoryIDs))
	for i, id := range p.RepositoryIDs {
		thunks[i] = so.repositories.Load(ctx, strings.ToLower(id))
	}
	out := make([]*model.BackupRepository, 0, len(thunks))
	for _, t := range thunks {
		r, err := t()
		if err != nil {
			return nil, err
		}
		if r != nil {
			out = append(out, (*model.BackupRepository)(r))
		}
	}
	return out, nil
}

// protectionCount counts an organization's objects of a kind, protected
// and not.
func protectionCount(ctx context.Context, org *model.Organization, kind upstream.ObjectType) (*model.ProtectionCount, error) {
	protected, total, err := part(ctx, org.ServerName).ProtectionCount(ctx, org.ID, kind)
	if err != nil {
		return nil, err
	}
	return &model.ProtectionCount{Protected: protected, Unprotected: total - protected, Total: total}, nil
}

// repositoryData pages one kind of what a repository holds. Where the page's
// items are asked for the directory object they name (link, by the field
// that names it), those are read together first.
func repositoryData[T any](ctx context.Context, repo *model.BackupRepository, w window,
	read func(so *serverOp, ctx context.Context, repositoryID string, p upstream.PageRequest) (upstream.Page[T], error),
	link string, ref func(*T) *upstream.ObjectRef) (*model.Connection[T], error) {
	so := part(ctx, repo.ServerName)
	linked := link != "" && nodesSelect(ctx, link)
	return pagedConnection(w, func(p upstream.PageRequest) (upstream.Page[T], error) {
		page, err := read(so, ctx, repo.ID, p)
		if linked {
			so.prefetchObjects(ctx, refsOf(page.Items, ref))
		}
		return page, err
	})
}

// refsOf are the directory objects items name (those that name one).
func refsOf[T any](items []T, ref func(*T) *upstream.ObjectRef) []upstream.ObjectRef {
	var out []upstream.ObjectRef
	for i := range items {
		if r := ref(&items[i]); r != nil {
			out = append(out, *r)
		}
	}
	return out
}

// dataRef is the directory object a repository's data item names (nil
// where it names no organization).
func dataRef(organizationID *string, kind upstream.ObjectType, id string) *upstream.ObjectRef {
	if organizationID == nil || *organizationID == "" || id == "" {
		return nil
	}
	return &upstream.ObjectRef{OrganizationID: strings.ToLower(*organizationID), Type: kind, ID: strings.ToLower(id)}
}

// groupMembers pages a group's members, reading the users they are together
// where asked.
func groupMembers(ctx context.Context, g *model.OrganizationGroup, w window) (*model.Connection[upstream.GroupMember], error) {
	so := part(ctx, g.ServerName)
	linked := nodesSelect(ctx, "user")
	return pagedConnection(w, func(p upstream.PageRequest) (upstream.Page[upstream.GroupMember], error) {
		page, err := so.GroupMembers(ctx, g.OrganizationID, g.ID, p)
		if linked {
			so.prefetchObjects(ctx, refsOf(page.Items, func(m *upstream.GroupMember) *upstream.ObjectRef {
				if m.Type != upstream.MemberUser {
					return nil
				}
				return dataRef(&m.OrganizationID, upstream.ObjectUser, deref(m.ID))
			}))
		}
		return page, err
	})
}

// jobItems pages what a job selects, or leaves out.
func jobItems(ctx context.Context, job *model.Job, excluded bool, w window) (*model.Connection[upstream.JobItem], error) {
	so := part(ctx, job.ServerName)
	return pagedConnection(w, func(p upstream.PageRequest) (upstream.Page[upstream.JobItem], error) {
		return so.JobItems(ctx, job, excluded, p)
	})
}

// itemObject is the directory object of a job's item, as the graph's type
// for its kind (nil: the item names none of that kind).
func itemObject[M any](item *upstream.JobItem, kind upstream.ObjectType, as func(*upstream.OrganizationObject) *M) *M {
	if item.Object == nil || item.Object.Type != kind {
		return nil
	}
	return as(item.Object)
}
