package resolvers

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/vb365-graphql/vb365-graphql/access"
	"github.com/vb365-graphql/vb365-graphql/exports"
	"github.com/vb365-graphql/vb365-graphql/graph"
	"github.com/vb365-graphql/vb365-graphql/graph/model"
	"github.com/vb365-graphql/vb365-graphql/upstream"
)

// Acting on the items of a restore session: restoring them where they
// were, exporting them as a file. Both are restore actions: for the
// restore operator who opened the session, audited with the reason and
// what they act on, sent once per idempotency key.

// maxItemsPerAction caps the items one restore or export names: a mistake
// (or a script) acts on a few at a time, and each call is audited.
const maxItemsPerAction = 100

// itemsToActOn checks what a restore action is given before anything is
// asked of anyone.
func itemsToActOn(reason string, ids []string) error {
	if strings.TrimSpace(reason) == "" {
		return graph.BadInput("give the reason for the restore (a ticket, a request): the audit log keeps it")
	}
	if len(ids) == 0 || len(ids) > maxItemsPerAction {
		return graph.BadInput(fmt.Sprintf("give 1 to %d items (you gave %d)", maxItemsPerAction, len(ids)))
	}
	for _, id := range ids {
		if strings.TrimSpace(id) == "" {
			return graph.BadInput("an item's id is empty")
		}
	}
	return nil
}

// sessionOfYours is the server of a restore session the caller opened.
func (r *Resolver) sessionOfYours(ctx context.Context, id string, server *string) (*serverOp, error) {
	if err := r.ownRestoreSession(ctx, id); err != nil {
		return nil, err
	}
	return holderOf(ctx, id, server, (*serverOp).RestoreSession)
}

// signingIn is what a restore signs in to Microsoft 365 with: a
// configured account, by name, or a device code (checked before any call).
func (r *Resolver) signingIn(account, deviceCode *string) (upstream.Credentials, string, error) {
	switch name := strings.ToLower(deref(account)); {
	case (name == "") == (deref(deviceCode) == ""):
		return upstream.Credentials{}, "", graph.BadInput("give either account (a restore account's name: restoreAccounts lists them) or deviceCode (from requestRestoreDeviceCode)")
	case name != "":
		creds, ok := r.RestoreAccounts[name]
		if !ok {
			return creds, "", graph.BadInput(fmt.Sprintf("no restore account is named %q: restoreAccounts lists those the gateway has", name))
		}
		return creds, "", nil
	}
	return upstream.Credentials{}, *deviceCode, nil
}

// signInOf says how a restore signs in, for the audit log (never the code).
func signInOf(deviceCode *string) string {
	if deviceCode != nil {
		return "device code"
	}
	return "account"
}

// restoring runs a restore as a restore action: what the upstream counted
// (or that it runs on) is its result, in the audit log and the payload.
func (r *Resolver) restoring(ctx context.Context, mutation, sessionID string, server, clientMutationID *string, subject []any, key []string,
	check func() error, restore func(so *serverOp) (upstream.ItemsRestored, upstream.Changed, error)) (*model.RestoreItemsPayload, error) {
	result, so, err := r.perform(ctx, mutation, performance{
		audit: "restore action", needs: access.RestoreOperator, subject: subject, key: key, clientMutationID: clientMutationID,
		locate: func() (*serverOp, error) {
			if err := check(); err != nil {
				return nil, err
			}
			return r.sessionOfYours(ctx, sessionID, server)
		},
		run: func(so *serverOp) ([]byte, int, error) {
			r.IdleRestoreSessions.Touch(so.name, sessionID)
			restored, changed, err := restore(so)
			so.restores.Clear(ctx, strings.ToLower(sessionID))
			if err != nil {
				return nil, changed.Status, err
			}
			out, _ := json.Marshal(restored)
			return out, changed.Status, nil
		},
		describe: func(result []byte) []any {
			var r upstream.ItemsRestored
			_ = json.Unmarshal(result, &r)
			if r.RunsOn {
				return []any{"restore", "runs on"}
			}
			return []any{"created", r.Created, "merged", r.Merged, "failed", r.Failed, "skipped", r.Skipped}
		},
	})
	if err != nil {
		return nil, err
	}
	var restored upstream.ItemsRestored
	_ = json.Unmarshal(result, &restored)
	p := &model.RestoreItemsPayload{ClientMutationID: clientMutationID, ServerName: so.name, RestoreSessionID: sessionID,
		RunsOn: restored.RunsOn, Warnings: append([]string{}, restored.Warnings...)}
	if !restored.RunsOn {
		p.CreatedItems, p.MergedItems, p.FailedItems, p.SkippedItems = &restored.Created, &restored.Merged, &restored.Failed, &restored.Skipped
	}
	return p, nil
}

func (r *Resolver) restoreItems(ctx context.Context, in model.RestoreItemsInput) (*model.RestoreItemsPayload, error) {
	in.MailboxID, in.ItemIds = serverID(in.MailboxID), serverIDs(in.ItemIds) // a client may send the records' own ids
	if err := itemsToActOn(in.Reason, in.ItemIds); err != nil {
		return nil, err
	}
	to := "original location"
	if in.ToMailbox != nil {
		to = *in.ToMailbox + "/" + deref(in.ToFolder)
	}
	m := upstream.MailRestore{Items: in.ItemIds, Mailbox: deref(in.ToMailbox), Folder: deref(in.ToFolder), MarkUnread: deref(in.MarkUnread)}
	return r.restoring(ctx, "restoreItems", in.RestoreSessionID, in.Server, in.ClientMutationID,
		[]any{"restore_session", in.RestoreSessionID, "mailbox", in.MailboxID, "items", in.ItemIds, "to", to,
			"sign_in", signInOf(in.DeviceCode), "account", deref(in.Account), "reason", in.Reason},
		append([]string{in.RestoreSessionID, in.MailboxID, deref(in.Account), deref(in.DeviceCode), to, in.Reason}, in.ItemIds...),
		func() (err error) {
			if m.Account, m.DeviceCode, err = r.signingIn(in.Account, in.DeviceCode); err != nil {
				return err
			}
			if m.Folder != "" && m.Mailbox == "" {
				return graph.BadInput("toFolder goes with toMailbox: items restored where they were go to their own folders")
			}
			return nil
		},
		func(so *serverOp) (upstream.ItemsRestored, upstream.Changed, error) {
			return so.api.RestoreMailItems(ctx, so.scope, in.RestoreSessionID, in.MailboxID, m)
		})
}

func (r *Resolver) restoreDocuments(ctx context.Context, in model.RestoreDocumentsInput) (*model.RestoreItemsPayload, error) {
	in.OneDriveID, in.FolderID, in.DocumentIds = serverID(in.OneDriveID), optionalServerID(in.FolderID), serverIDs(in.DocumentIds)
	if err := itemsToActOn(in.Reason, in.DocumentIds); err != nil {
		return nil, err
	}
	d := upstream.DocumentRestore{Overwrite: in.IfExists == model.ExistingDocumentOverwrite}
	return r.restoring(ctx, "restoreDocuments", in.RestoreSessionID, in.Server, in.ClientMutationID,
		[]any{"restore_session", in.RestoreSessionID, "onedrive", in.OneDriveID, "folder", deref(in.FolderID), "documents", in.DocumentIds,
			"if_exists", string(in.IfExists), "sign_in", signInOf(in.DeviceCode), "account", deref(in.Account), "reason", in.Reason},
		append([]string{in.RestoreSessionID, in.OneDriveID, deref(in.FolderID), string(in.IfExists), deref(in.Account), deref(in.DeviceCode), in.Reason}, in.DocumentIds...),
		func() (err error) {
			d.Account, d.DeviceCode, err = r.signingIn(in.Account, in.DeviceCode)
			return err
		},
		func(so *serverOp) (upstream.ItemsRestored, upstream.Changed, error) {
			documents, err := so.api.DocumentsByID(ctx, so.scope, in.RestoreSessionID, in.OneDriveID, deref(in.FolderID), in.DocumentIds)
			if err != nil {
				return upstream.ItemsRestored{}, upstream.Changed{}, err
			}
			d.Documents = documents
			return so.api.RestoreDocuments(ctx, so.scope, in.RestoreSessionID, in.OneDriveID, d)
		})
}

func (r *Resolver) sendItems(ctx context.Context, in model.SendItemsInput) (*model.SendItemsPayload, error) {
	in.MailboxID, in.ItemIds = serverID(in.MailboxID), serverIDs(in.ItemIds)
	if err := itemsToActOn(in.Reason, in.ItemIds); err != nil {
		return nil, err
	}
	sending := upstream.MailSending{Items: in.ItemIds, From: deref(in.From), To: deref(in.To), Subject: deref(in.Subject), Text: deref(in.Text)}
	to := sending.To
	if to == "" {
		to = "the mailbox's own address"
	}
	_, so, err := r.perform(ctx, "sendItems", performance{
		audit: "restore action", needs: access.RestoreOperator,
		subject: []any{"restore_session", in.RestoreSessionID, "mailbox", in.MailboxID, "items", in.ItemIds, "to", to, "reason", in.Reason},
		key:     append([]string{in.RestoreSessionID, in.MailboxID, to, sending.From, sending.Subject, sending.Text, in.Reason}, in.ItemIds...), clientMutationID: in.ClientMutationID,
		locate: func() (*serverOp, error) { return r.sessionOfYours(ctx, in.RestoreSessionID, in.Server) },
		run: func(so *serverOp) ([]byte, int, error) {
			r.IdleRestoreSessions.Touch(so.name, in.RestoreSessionID)
			changed, err := so.api.SendMailItems(ctx, so.scope, in.RestoreSessionID, in.MailboxID, sending)
			so.restores.Clear(ctx, strings.ToLower(in.RestoreSessionID))
			return []byte("sent"), changed.Status, err
		},
	})
	if err != nil {
		return nil, err
	}
	return &model.SendItemsPayload{ClientMutationID: in.ClientMutationID, ServerName: so.name, RestoreSessionID: in.RestoreSessionID}, nil
}

func (r *Resolver) requestRestoreDeviceCode(ctx context.Context, in model.RestoreDeviceCodeInput) (*model.RestoreDeviceCodePayload, error) {
	result, _, err := r.perform(ctx, "requestRestoreDeviceCode", performance{
		audit: "restore action", needs: access.RestoreOperator, subject: []any{"restore_session", in.RestoreSessionID},
		key: []string{in.RestoreSessionID}, clientMutationID: in.ClientMutationID,
		locate: func() (*serverOp, error) { return r.sessionOfYours(ctx, in.RestoreSessionID, in.Server) },
		run: func(so *serverOp) ([]byte, int, error) {
			r.IdleRestoreSessions.Touch(so.name, in.RestoreSessionID)
			code, err := so.api.RestoreDeviceCode(ctx, so.scope, in.RestoreSessionID)
			if err != nil {
				return nil, 0, err
			}
			out, _ := json.Marshal(code)
			return out, 0, nil
		},
	})
	if err != nil {
		return nil, err
	}
	p := &model.RestoreDeviceCodePayload{ClientMutationID: in.ClientMutationID}
	_ = json.Unmarshal(result, &p.DeviceCode)
	return p, nil
}

// exporting starts an export, as an action p describes (its run is
// made here): what file streams into the spool and what it is called.
// The action's result is the export's ID, so that a repeat gives the same
// export.
func (r *Resolver) exporting(ctx context.Context, mutation string, p performance, clientMutationID *string, sessionID, format, fileName string,
	file func(so *serverOp) func(context.Context) (io.ReadCloser, error)) (*model.ExportPayload, error) {
	if r.Exports == nil {
		return nil, &upstream.Error{Kind: upstream.KindUnavailable, Message: "this gateway keeps no exports"}
	}
	caller := operation(ctx).request.Caller
	p.clientMutationID = clientMutationID
	p.run = func(so *serverOp) ([]byte, int, error) {
		if sessionID != "" {
			r.IdleRestoreSessions.Touch(so.name, sessionID)
		}
		e := r.Exports.Start(exports.Export{Owner: caller.ID, OwnerName: caller.Name, Format: format, Server: so.name,
			RestoreSessionID: strings.ToLower(sessionID), FileName: fileName + "-" + time.Now().UTC().Format("20060102-150405") + "." + strings.ToLower(format)},
			file(so))
		return []byte(e.ID), 0, nil
	}
	p.describe = func(result []byte) []any { return []any{"export", string(result)} }
	result, _, err := r.perform(ctx, mutation, p)
	if err != nil {
		return nil, err
	}
	e, _ := r.Exports.Get(string(result), caller.ID)
	return &model.ExportPayload{ClientMutationID: clientMutationID, Export: &e}, nil
}

func (r *Resolver) exportItems(ctx context.Context, in model.ExportItemsInput) (*model.ExportPayload, error) {
	in.MailboxID, in.ItemIds = serverID(in.MailboxID), serverIDs(in.ItemIds)
	if err := itemsToActOn(in.Reason, in.ItemIds); err != nil {
		return nil, err
	}
	ids := append([]string(nil), in.ItemIds...)
	return r.exporting(ctx, "exportItems", performance{
		audit: "restore action", needs: access.RestoreOperator,
		subject: []any{"restore_session", in.RestoreSessionID, "mailbox", in.MailboxID, "items", in.ItemIds, "format", string(in.Format), "reason", in.Reason},
		key:     append([]string{in.RestoreSessionID, in.MailboxID, string(in.Format), in.Reason}, in.ItemIds...),
		locate:  func() (*serverOp, error) { return r.sessionOfYours(ctx, in.RestoreSessionID, in.Server) },
	}, in.ClientMutationID, in.RestoreSessionID, string(in.Format), "mailbox-items", func(so *serverOp) func(context.Context) (io.ReadCloser, error) {
		api, scope := so.api, so.scope
		return func(ctx context.Context) (io.ReadCloser, error) {
			return api.ExportMailItems(ctx, scope, in.RestoreSessionID, in.MailboxID, ids)
		}
	})
}

func (r *Resolver) exportDocuments(ctx context.Context, in model.ExportDocumentsInput) (*model.ExportPayload, error) {
	in.OneDriveID, in.FolderID, in.DocumentIds = serverID(in.OneDriveID), optionalServerID(in.FolderID), serverIDs(in.DocumentIds)
	if err := itemsToActOn(in.Reason, in.DocumentIds); err != nil {
		return nil, err
	}
	var documents []upstream.DriveEntry
	return r.exporting(ctx, "exportDocuments", performance{
		audit: "restore action", needs: access.RestoreOperator,
		subject: []any{"restore_session", in.RestoreSessionID, "onedrive", in.OneDriveID, "folder", deref(in.FolderID), "documents", in.DocumentIds,
			"format", "ZIP", "reason", in.Reason},
		key: append([]string{in.RestoreSessionID, in.OneDriveID, deref(in.FolderID), in.Reason}, in.DocumentIds...),
		locate: func() (*serverOp, error) {
			so, err := r.sessionOfYours(ctx, in.RestoreSessionID, in.Server)
			if err != nil {
				return nil, err
			}
			// Found now, so that a wrong id is told at once, not as a failed export.
			documents, err = so.api.DocumentsByID(ctx, so.scope, in.RestoreSessionID, in.OneDriveID, deref(in.FolderID), in.DocumentIds)
			return so, err
		},
	}, in.ClientMutationID, in.RestoreSessionID, string(model.ExportFormatZip), "onedrive-documents", func(so *serverOp) func(context.Context) (io.ReadCloser, error) {
		api, scope := so.api, so.scope
		return func(ctx context.Context) (io.ReadCloser, error) {
			return api.SaveDocuments(ctx, scope, in.RestoreSessionID, in.OneDriveID, documents)
		}
	})
}

func (r *Resolver) generateReport(ctx context.Context, in model.GenerateReportInput) (*model.ExportPayload, error) {
	req := upstream.ReportRequest{Kind: in.Kind, Format: string(in.Format), OrganizationID: deref(in.OrganizationID), TimeZone: deref(in.TimeZone)}
	switch {
	case in.Format != model.ExportFormatPDF && in.Format != model.ExportFormatCSV:
		return nil, graph.BadInput("reports come as PDF or CSV")
	case in.Kind.PDFOnly() && in.Format != model.ExportFormatPDF:
		return nil, graph.BadInput("this report comes as PDF only")
	case in.Kind.Period() && (in.From == nil || in.To == nil || !in.To.After(*in.From)):
		return nil, graph.BadInput("this report covers a period: give from and to, to after from")
	case in.Kind.Period():
		req.From, req.To = *in.From, *in.To
	case in.From != nil || in.To != nil:
		return nil, graph.BadInput("from and to go with LICENSE_OVERVIEW and STORAGE_CONSUMPTION; a protection report is of now")
	}
	period := ""
	if in.Kind.Period() {
		period = req.From.UTC().Format(time.RFC3339) + "/" + req.To.UTC().Format(time.RFC3339)
	}
	return r.exporting(ctx, "generateReport", performance{
		audit: "report", needs: access.Operator,
		subject: []any{"kind", string(in.Kind), "format", string(in.Format), "organization", req.OrganizationID, "period", period},
		key:     []string{string(in.Kind), string(in.Format), req.OrganizationID, period, req.TimeZone},
		locate: func() (*serverOp, error) {
			so, err := named(ctx, in.Server)
			if req.OrganizationID != "" {
				so, err = holderOf(ctx, req.OrganizationID, in.Server, (*serverOp).Organization)
			}
			if err != nil {
				return nil, err
			}
			return so, so.api.CanReport(in.Kind)
		},
	}, in.ClientMutationID, "", string(in.Format), "report-"+strings.ToLower(string(in.Kind)), func(so *serverOp) func(context.Context) (io.ReadCloser, error) {
		api, scope := so.api, so.scope
		return func(ctx context.Context) (io.ReadCloser, error) { return api.GenerateReport(ctx, scope, req) }
	})
}

// export is one of the caller's exports.
func (r *Resolver) export(ctx context.Context, id string) (*exports.Export, error) {
	var e exports.Export
	ok := false
	if r.Exports != nil {
		e, ok = r.Exports.Get(id, operation(ctx).request.Caller.ID)
	}
	if !ok {
		return nil, &upstream.Error{Kind: upstream.KindNotFound, Message: "no export of yours has this id"}
	}
	return &e, nil
}

// exportUpdated follows one of the caller's exports until it is done.
func (r *Resolver) exportUpdated(ctx context.Context, id string) (<-chan *exports.Export, error) {
	if r.Exports == nil {
		return nil, &upstream.Error{Kind: upstream.KindNotFound, Message: "no export of yours has this id"}
	}
	states, ok := r.Exports.Watch(ctx, id, operation(ctx).request.Caller.ID)
	if !ok {
		return nil, &upstream.Error{Kind: upstream.KindNotFound, Message: "no export of yours has this id"}
	}
	out := make(chan *exports.Export, 1)
	go func() {
		defer close(out)
		for e := range states {
			select {
			case out <- &e:
			case <-ctx.Done():
				return
			}
			if e.State != exports.Queued && e.State != exports.Running {
				return // done: READY, FAILED or EXPIRED
			}
		}
	}()
	return out, nil
}

// downloadLink is a READY export's link for its owner (nil otherwise).
func (r *Resolver) downloadLink(e *exports.Export) (*string, *time.Time) {
	if e.State != exports.Ready {
		return nil, nil
	}
	link, expires := r.Exports.Link(*e)
	return &link, &expires
}

// restoreAccounts are the names of the configured restore accounts, for
// restore operators.
func (r *Resolver) restoreAccounts(ctx context.Context) ([]string, error) {
	caller := operation(ctx).request.Caller
	if !caller.MayRestore() {
		return nil, graph.Forbidden(fmt.Sprintf("restore accounts are for restore operators; %s is a %s", caller.Name, caller.Role))
	}
	names := make([]string, 0, len(r.RestoreAccounts))
	for name := range r.RestoreAccounts {
		names = append(names, name)
	}
	sort.Strings(names)
	return names, nil
}

// nonEmpty is s, or nil when it is empty.
func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
