package resolvers

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/vb365-graphql/vb365-graphql/graph"
	"github.com/vb365-graphql/vb365-graphql/graph/model"
	"github.com/vb365-graphql/vb365-graphql/upstream"
)

// The operator's actions on the estate: audited, refused to viewers and
// run once per idempotency key, as the job actions are (perform).

func (r *Resolver) syncOrganization(ctx context.Context, in model.SyncOrganizationInput) (*model.SyncOrganizationPayload, error) {
	kind := upstream.SyncIncremental
	if in.Type != nil {
		kind = *in.Type
	}
	if kind != upstream.SyncIncremental && kind != upstream.SyncFull {
		return nil, graph.BadInput("type is INCREMENTAL or FULL")
	}
	_, so, err := r.perform(ctx, "syncOrganization", performance{
		audit: "estate action", subject: []any{"organization", in.ID, "sync", string(kind)}, key: []string{in.ID, string(kind)}, clientMutationID: in.ClientMutationID,
		locate: func() (*serverOp, error) {
			return holderOf(ctx, in.ID, in.Server, (*serverOp).Organization)
		},
		run: func(so *serverOp) ([]byte, int, error) {
			changed, err := so.SyncOrganization(ctx, in.ID, kind)
			return []byte("synchronizing"), changed.Status, err
		},
	})
	if err != nil {
		return nil, err
	}
	return &model.SyncOrganizationPayload{ClientMutationID: in.ClientMutationID, ServerName: so.name, OrganizationID: in.ID}, nil
}

func (r *Resolver) synchronizeRepository(ctx context.Context, in model.EstateActionInput) (*model.SynchronizeRepositoryPayload, error) {
	result, so, err := r.perform(ctx, "synchronizeRepository", performance{
		audit: "estate action", subject: []any{"repository", in.ID}, key: []string{in.ID}, clientMutationID: in.ClientMutationID,
		locate: func() (*serverOp, error) {
			return holderOf(ctx, in.ID, in.Server, (*serverOp).Repository)
		},
		run: func(so *serverOp) ([]byte, int, error) {
			sync, changed, err := so.SynchronizeRepository(ctx, in.ID)
			if err != nil {
				return nil, changed.Status, err
			}
			b, err := json.Marshal(sync) // kept for repeats
			return b, changed.Status, err
		},
	})
	if err != nil {
		return nil, err
	}
	var sync upstream.RepositorySync
	if err := json.Unmarshal(result, &sync); err != nil {
		return nil, err
	}
	return &model.SynchronizeRepositoryPayload{ClientMutationID: in.ClientMutationID, ServerName: so.name, RepositoryID: in.ID,
		State: sync.State, ProgressPercent: sync.ProgressPercent, Error: sync.Error}, nil
}

// revokeLicense: a licensed user has no lookup by id, so behind several
// servers the client names the server (the one its licensedUsers came
// from).
func (r *Resolver) revokeLicense(ctx context.Context, in model.EstateActionInput) (*model.RevokeLicensePayload, error) {
	_, _, err := r.perform(ctx, "revokeLicense", performance{
		audit: "estate action", subject: []any{"licensed_user", in.ID}, key: []string{in.ID}, clientMutationID: in.ClientMutationID,
		locate: func() (*serverOp, error) {
			if err := upstream.ValidateID(in.ID); err != nil {
				return nil, err
			}
			if in.Server == nil && len(operation(ctx).servers) > 1 {
				return nil, graph.BadInput("name the server of the licensed user (its licensedUsers' server { name })")
			}
			return named(ctx, in.Server)
		},
		run: func(so *serverOp) ([]byte, int, error) {
			changed, err := so.RevokeLicense(ctx, in.ID)
			return []byte("revoked"), changed.Status, err
		},
	})
	if err != nil {
		return nil, err
	}
	return &model.RevokeLicensePayload{ClientMutationID: in.ClientMutationID, LicensedUserID: in.ID}, nil
}

// setProxyMaintenance sends the credentials the operator configured for the
// proxy's host (on its server, or on any), which no client sees.
func (r *Resolver) setProxyMaintenance(ctx context.Context, in model.ProxyMaintenanceInput) (*model.ProxyMaintenancePayload, error) {
	mutation := "setProxyMaintenance"
	_, so, err := r.perform(ctx, mutation, performance{
		audit: "estate action", subject: []any{"proxy", in.ID, "maintenance", in.Enabled}, key: []string{in.ID, fmt.Sprint(in.Enabled)}, clientMutationID: in.ClientMutationID,
		locate: func() (*serverOp, error) {
			return holderOf(ctx, in.ID, in.Server, (*serverOp).Proxy)
		},
		run: func(so *serverOp) ([]byte, int, error) {
			p, err := so.Proxy(ctx, in.ID)
			if err != nil {
				return nil, 0, err
			}
			creds, ok := r.ProxyCredentials[strings.ToLower(so.name+"/"+p.HostName)]
			if !ok {
				creds, ok = r.ProxyCredentials[strings.ToLower(p.HostName)]
			}
			if !ok {
				return nil, 0, graph.BadInput(fmt.Sprintf("no credentials are configured for proxy %s: the gateway's operator adds them to --proxy-credentials-file", p.HostName))
			}
			changed, err := so.ProxyMaintenance(ctx, in.ID, in.Enabled, creds)
			return []byte("switched"), changed.Status, err
		},
	})
	if err != nil {
		return nil, err
	}
	return &model.ProxyMaintenancePayload{ClientMutationID: in.ClientMutationID, ServerName: so.name, ProxyID: in.ID}, nil
}
