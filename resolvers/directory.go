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
	ref := upstream.ObjectRef{OrganizationID: strings.ToLower(*organizationID), Type: kind, ID: strings.ToLower(id)}
	o, err := part(ctx, server).OrganizationObject(ctx, ref)
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

// repositoryData pages one kind of what a repository holds.
func repositoryData[T any](ctx context.Context, repo *model.BackupRepository, w window,
	read func(so *serverOp, ctx context.Context, repositoryID string, p upstream.PageRequest) (upstream.Page[T], error)) (*model.Connection[T], error) {
	so := part(ctx, repo.ServerName)
	return pagedConnection(w, func(p upstream.PageRequest) (upstream.Page[T], error) { return read(so, ctx, repo.ID, p) })
}
