package resolvers

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/vb365-graphql/vb365-graphql/access"
	"github.com/vb365-graphql/vb365-graphql/graph"
	"github.com/vb365-graphql/vb365-graphql/graph/model"
	"github.com/vb365-graphql/vb365-graphql/upstream"
)

// Restore sessions of one's own: a restore operator opens one over an
// organization's backups, and it is theirs alone (RestoreOwners): anyone
// else is told it does not exist, before any upstream call.

func (r *Resolver) openRestoreSession(ctx context.Context, in model.OpenRestoreSessionInput) (*model.RestoreSessionPayload, error) {
	if strings.TrimSpace(in.Reason) == "" {
		return nil, graph.BadInput("give the reason for the restore (a ticket, a request): the audit log keeps it")
	}
	caller := operation(ctx).request.Caller
	opts := upstream.ExploreOptions{PointInTime: in.PointInTime, ShowDeleted: deref(in.ShowDeleted), ShowAllVersions: deref(in.ShowAllVersions)}
	pointInTime := "latest"
	if in.PointInTime != nil {
		pointInTime = in.PointInTime.UTC().Format(time.RFC3339)
	}
	result, so, err := r.perform(ctx, "openRestoreSession", performance{
		audit: "restore action", needs: access.RestoreOperator,
		subject: []any{"organization", in.OrganizationID, "kind", string(in.Kind), "point_in_time", pointInTime, "reason", in.Reason},
		key:     []string{in.OrganizationID, string(in.Kind), pointInTime, in.Reason}, clientMutationID: in.ClientMutationID,
		locate: func() (*serverOp, error) {
			return holderOf(ctx, in.OrganizationID, in.Server, (*serverOp).Organization)
		},
		run: func(so *serverOp) ([]byte, int, error) {
			rs, changed, err := so.OpenRestoreSession(ctx, in.OrganizationID, in.Kind, opts)
			if err != nil {
				return nil, changed.Status, err
			}
			r.RestoreOwners.Set(ctx, strings.ToLower(rs.ID), caller.ID)
			r.IdleRestoreSessions.Touch(so.name, rs.ID)
			return []byte(rs.ID), changed.Status, nil
		},
		describe: func(result []byte) []any { return []any{"restore_session", string(result)} },
	})
	if err != nil {
		return nil, err
	}
	return &model.RestoreSessionPayload{ClientMutationID: in.ClientMutationID, ServerName: so.name, RestoreSessionID: string(result)}, nil
}

func (r *Resolver) closeRestoreSession(ctx context.Context, in model.CloseRestoreSessionInput) (*model.RestoreSessionPayload, error) {
	_, so, err := r.perform(ctx, "closeRestoreSession", performance{
		audit: "restore action", needs: access.RestoreOperator, subject: []any{"restore_session", in.ID}, key: []string{in.ID},
		clientMutationID: in.ClientMutationID,
		locate: func() (*serverOp, error) {
			if err := r.ownRestoreSession(ctx, in.ID); err != nil {
				return nil, err
			}
			return holderOf(ctx, in.ID, in.Server, (*serverOp).RestoreSession)
		},
		run: func(so *serverOp) ([]byte, int, error) {
			r.IdleRestoreSessions.Forget(in.ID)
			changed, err := so.CloseRestoreSession(ctx, in.ID)
			return []byte("closed"), changed.Status, err
		},
	})
	if err != nil {
		return nil, err
	}
	return &model.RestoreSessionPayload{ClientMutationID: in.ClientMutationID, ServerName: so.name, RestoreSessionID: in.ID}, nil
}

// ownRestoreSession refuses a restore session the caller did not open as
// one that does not exist: its existence is nobody else's business.
func (r *Resolver) ownRestoreSession(ctx context.Context, id string) error {
	if err := upstream.ValidateID(id); err != nil {
		return err
	}
	owner, ok := r.RestoreOwners.Get(ctx, strings.ToLower(id))
	if !ok || owner != operation(ctx).request.Caller.ID {
		return &upstream.Error{Kind: upstream.KindNotFound, Message: "no restore session of yours has this id"}
	}
	return nil
}

// mayBrowse lets the restore operator who opened a session see inside it:
// another role is FORBIDDEN, another restore operator told it does not
// exist, before any call.
func (r *Resolver) mayBrowse(ctx context.Context, sessionID string) error {
	caller := operation(ctx).request.Caller
	if !caller.MayRestore() {
		return graph.Forbidden(fmt.Sprintf("what is inside a backup is for restore operators; %s is a %s", caller.Name, caller.Role))
	}
	return r.ownRestoreSession(ctx, sessionID)
}

// browse pages what a restore session shows, for its owner.
func browse[T any](ctx context.Context, r *Resolver, server, sessionID string, w window,
	read func(*serverOp, upstream.PageRequest) (upstream.Page[T], error)) (*model.Connection[T], error) {
	if err := r.mayBrowse(ctx, sessionID); err != nil {
		return nil, err
	}
	so := part(ctx, server)
	r.IdleRestoreSessions.Touch(so.name, sessionID)
	return pagedConnection(w, func(p upstream.PageRequest) (upstream.Page[T], error) { return read(so, p) })
}
