package resolvers

import (
	"context"
	"strings"

	"github.com/vb365-graphql/vb365-graphql/graph/model"
	"github.com/vb365-graphql/vb365-graphql/upstream"
)

// What a resolver may fetch from one server within one operation: these
// and nothing else. What has a key goes through the operation's loaders
// (batched within a level, asked once per operation, case-insensitive ids);
// what has none (a collection read whole, a page of a list, the license)
// goes through the operation's scope, which asks each once and bounds its
// calls. Resolvers never reach the client or a loader themselves.

// convert is a list of upstream models as the graph's type for them (the
// federation entities: see model.JobSession). A copy, so what the client
// caches is never what a resolver holds.
func convert[M, U any](items []U, as func(U) M) []M {
	out := make([]M, len(items))
	for i, u := range items {
		out[i] = as(u)
	}
	return out
}

// mapPage is a page of upstream models as the graph's type for them.
func mapPage[M, U any](p upstream.Page[U], as func(U) M) upstream.Page[M] {
	return upstream.Page[M]{Items: convert(p.Items, as), Offset: p.Offset, Total: p.Total, HasMore: p.HasMore, SetID: p.SetID}
}

// optional fetches what an optional id names: nothing, with no call, when
// it names none.
func optional[V any](ctx context.Context, id *string, get func(context.Context, string) (V, error)) (V, error) {
	if id == nil || *id == "" {
		var none V
		return none, nil
	}
	return get(ctx, *id)
}

// Session is one session. A session the cache holds costs neither a call
// nor the batch wait.
func (o *serverOp) Session(ctx context.Context, id string) (*model.JobSession, error) {
	s, err := o.sessions.Load(ctx, strings.ToLower(id))()
	return (*model.JobSession)(s), err
}

// Job is one job, from the cache when it can.
func (o *serverOp) Job(ctx context.Context, id string) (*model.Job, error) {
	j, err := o.jobs.Load(ctx, strings.ToLower(id))()
	return (*model.Job)(j), err
}

// LastSession is a job's newest session, or its newest finished one.
func (o *serverOp) LastSession(ctx context.Context, jobID string, finished bool) (*model.JobSession, error) {
	s, err := o.lastRuns.Load(ctx, upstream.LastSessionKey{JobID: strings.ToLower(jobID), Finished: finished})()
	if s != nil {
		o.primeSession(ctx, (*model.JobSession)(s))
	}
	return (*model.JobSession)(s), err
}

// SessionSummary sums up the sessions f keeps, and keep (nil: all).
func (o *serverOp) SessionSummary(ctx context.Context, f upstream.SessionFilter, keep func(*upstream.JobSession) bool) (*upstream.SessionSummary, error) {
	return o.api.SummarizeSessions(ctx, o.scope, f, keep)
}

// CopyJob is one backup copy job.
func (o *serverOp) CopyJob(ctx context.Context, id string) (*upstream.CopyJob, error) {
	return o.copyJobs.Load(ctx, strings.ToLower(id))()
}

// Organization is one organization.
func (o *serverOp) Organization(ctx context.Context, id string) (*model.Organization, error) {
	org, err := o.organizations.Load(ctx, strings.ToLower(id))()
	return (*model.Organization)(org), err
}

// Repository is one backup repository.
func (o *serverOp) Repository(ctx context.Context, id string) (*model.BackupRepository, error) {
	r, err := o.repositories.Load(ctx, strings.ToLower(id))()
	return (*model.BackupRepository)(r), err
}

// Proxy is one backup proxy.
func (o *serverOp) Proxy(ctx context.Context, id string) (*model.Proxy, error) {
	p, err := o.proxies.Load(ctx, strings.ToLower(id))()
	return (*model.Proxy)(p), err
}

// ProxyPool is one proxy pool.
func (o *serverOp) ProxyPool(ctx context.Context, id string) (*upstream.ProxyPool, error) {
	return o.pools.Load(ctx, strings.ToLower(id))()
}

// RestoreSession is one restore session.
func (o *serverOp) RestoreSession(ctx context.Context, id string) (*upstream.RestoreSession, error) {
	return o.restores.Load(ctx, strings.ToLower(id))()
}

// Licensing is an organization's licensing.
func (o *serverOp) Licensing(ctx context.Context, organizationID string) (*upstream.OrganizationLicensing, error) {
	return o.licensing.Load(ctx, strings.ToLower(organizationID))()
}

// RepositoryUsage is what an organization's backups take on each
// repository.
func (o *serverOp) RepositoryUsage(ctx context.Context, organizationID string) ([]upstream.RepositoryUsage, error) {
	return o.usage.Load(ctx, strings.ToLower(organizationID))()
}

// RestoreStatistics sums up a restore session.
func (o *serverOp) RestoreStatistics(ctx context.Context, sessionID string) (*upstream.RestoreStatistics, error) {
	return o.restoreStats.Load(ctx, strings.ToLower(sessionID))()
}

// Log is one page of a session's log.
func (o *serverOp) Log(ctx context.Context, sessionID string, p upstream.PageRequest) (upstream.Page[upstream.LogItem], error) {
	return o.logs.Load(ctx, upstream.LogRequest{SessionID: strings.ToLower(sessionID), Page: p})()
}

// WholeLog is a session's whole log, through the log loader: every object
// of the session that asks shares the same calls.
func (o *serverOp) WholeLog(ctx context.Context, sessionID string) ([]upstream.LogItem, error) {
	var all []upstream.LogItem
	for offset := 0; ; offset += upstream.MaxPageLimit {
		p, err := o.Log(ctx, sessionID, upstream.PageRequest{Offset: offset, Limit: upstream.MaxPageLimit})
		if err != nil {
			return nil, err
		}
		all = append(all, p.Items...)
		if !p.HasMore || len(p.Items) == 0 {
			return all, nil
		}
	}
}

// ProcessedObjects is one page of what a session processed.
func (o *serverOp) ProcessedObjects(ctx context.Context, sessionID string, f upstream.ProcessedObjectFilter, p upstream.PageRequest) (upstream.Page[upstream.ProcessedObject], error) {
	return o.processed.Load(ctx, upstream.ProcessedRequest{SessionID: strings.ToLower(sessionID), Filter: f, Page: p})()
}

// OrganizationObject is a user, group, site or team of an organization.
func (o *serverOp) OrganizationObject(ctx context.Context, ref upstream.ObjectRef) (*upstream.OrganizationObject, error) {
	return o.objects.Load(ctx, ref)()
}

// Directory is one page of an organization's users, groups, sites or
// teams.
func (o *serverOp) Directory(ctx context.Context, organizationID string, kind upstream.ObjectType, f upstream.DirectoryFilter, p upstream.PageRequest) (upstream.Page[upstream.OrganizationObject], error) {
	return o.api.Directory(ctx, o.scope, organizationID, kind, f, p)
}

// GroupMembers is one page of a group's members.
func (o *serverOp) GroupMembers(ctx context.Context, organizationID, groupID string, p upstream.PageRequest) (upstream.Page[upstream.GroupMember], error) {
	return o.api.GroupMembers(ctx, o.scope, organizationID, groupID, p)
}

// OneDrives are a user's OneDrives.
func (o *serverOp) OneDrives(ctx context.Context, user upstream.ObjectRef) ([]upstream.OneDrive, error) {
	return o.oneDrives.Load(ctx, user)()
}

// Protection is what of an object is backed up over every repository (the
// repositories' data is read once per operation for the whole
// organization).
func (o *serverOp) Protection(ctx context.Context, ref upstream.ObjectRef) (*upstream.Protection, error) {
	return o.api.Protection(ctx, o.scope, ref)
}

// ProtectionCount counts an organization's objects of a kind, and those of
// them with a backup.
func (o *serverOp) ProtectionCount(ctx context.Context, organizationID string, kind upstream.ObjectType) (protected, total int, err error) {
	return o.api.ProtectionCount(ctx, o.scope, organizationID, kind)
}

// UserData is one page of what a repository holds of users; the others
// alike.
func (o *serverOp) UserData(ctx context.Context, repositoryID string, p upstream.PageRequest) (upstream.Page[upstream.BackupUserData], error) {
	return o.api.UserData(ctx, o.scope, repositoryID, p)
}

func (o *serverOp) GroupData(ctx context.Context, repositoryID string, p upstream.PageRequest) (upstream.Page[upstream.BackupGroupData], error) {
	return o.api.GroupData(ctx, o.scope, repositoryID, p)
}

func (o *serverOp) SiteData(ctx context.Context, repositoryID string, p upstream.PageRequest) (upstream.Page[upstream.BackupSiteData], error) {
	return o.api.SiteData(ctx, o.scope, repositoryID, p)
}

func (o *serverOp) TeamData(ctx context.Context, repositoryID string, p upstream.PageRequest) (upstream.Page[upstream.BackupTeamData], error) {
	return o.api.TeamData(ctx, o.scope, repositoryID, p)
}

func (o *serverOp) OrganizationData(ctx context.Context, repositoryID string, p upstream.PageRequest) (upstream.Page[upstream.BackupOrganizationData], error) {
	return o.api.OrganizationData(ctx, o.scope, repositoryID, p)
}

func (o *serverOp) BackedUpOrganizations(ctx context.Context, repositoryID string, p upstream.PageRequest) (upstream.Page[upstream.BackedUpOrganization], error) {
	return o.api.BackedUpOrganizations(ctx, o.scope, repositoryID, p)
}

// JobItems is one page of what a job selects, or leaves out.
func (o *serverOp) JobItems(ctx context.Context, job *model.Job, excluded bool, p upstream.PageRequest) (upstream.Page[upstream.JobItem], error) {
	return o.api.JobItems(ctx, o.scope, job.ID, deref(job.OrganizationID), excluded, p)
}

// RestorePoints is one page of restore points.
func (o *serverOp) RestorePoints(ctx context.Context, f upstream.RestorePointFilter, p upstream.PageRequest) (upstream.Page[upstream.RestorePoint], error) {
	return o.restorePoints.Load(ctx, upstream.RestorePointsRequest{Filter: f, Page: p})()
}

// RestorePoint is one restore point.
func (o *serverOp) RestorePoint(ctx context.Context, id string) (*upstream.RestorePoint, error) {
	return o.points.Load(ctx, strings.ToLower(id))()
}

// RestoreEvents is one page of what a restore session did.
func (o *serverOp) RestoreEvents(ctx context.Context, sessionID string, p upstream.PageRequest) (upstream.Page[upstream.RestoreEvent], error) {
	return o.events.Load(ctx, upstream.EventsRequest{SessionID: strings.ToLower(sessionID), Page: p})()
}

// Jobs is every job (read once per operation).
func (o *serverOp) Jobs(ctx context.Context) ([]model.Job, error) {
	list, err := o.api.Jobs(ctx, o.scope)
	return convert(list, func(v upstream.Job) model.Job { return model.Job(v) }), err
}

// Organizations is every organization.
func (o *serverOp) Organizations(ctx context.Context) ([]model.Organization, error) {
	list, err := o.api.Organizations(ctx, o.scope)
	return convert(list, func(v upstream.Organization) model.Organization { return model.Organization(v) }), err
}

// Repositories is every backup repository.
func (o *serverOp) Repositories(ctx context.Context) ([]model.BackupRepository, error) {
	list, err := o.api.BackupRepositories(ctx, o.scope)
	return convert(list, func(v upstream.BackupRepository) model.BackupRepository { return model.BackupRepository(v) }), err
}

// Proxies is every backup proxy.
func (o *serverOp) Proxies(ctx context.Context) ([]model.Proxy, error) {
	list, err := o.api.Proxies(ctx, o.scope)
	return convert(list, func(v upstream.Proxy) model.Proxy { return model.Proxy(v) }), err
}

// ProxyPools is every proxy pool.
func (o *serverOp) ProxyPools(ctx context.Context) ([]upstream.ProxyPool, error) {
	return o.api.ProxyPools(ctx, o.scope)
}

// CopyJobs is every backup copy job.
func (o *serverOp) CopyJobs(ctx context.Context) ([]upstream.CopyJob, error) {
	return o.api.CopyJobs(ctx, o.scope)
}

// JobSessions is one page of the sessions f keeps.
func (o *serverOp) JobSessions(ctx context.Context, f upstream.SessionFilter, p upstream.PageRequest) (upstream.Page[model.JobSession], error) {
	page, err := o.api.JobSessions(ctx, o.scope, f, p)
	return mapPage(page, func(v upstream.JobSession) model.JobSession { return model.JobSession(v) }), err
}

// LicensedUsers is one page of the licensed users f keeps.
func (o *serverOp) LicensedUsers(ctx context.Context, f upstream.LicensedUserFilter, p upstream.PageRequest) (upstream.Page[upstream.LicensedUser], error) {
	return o.api.LicensedUsers(ctx, o.scope, f, p)
}

// RestoreSessions is one page of the restore sessions f keeps.
func (o *serverOp) RestoreSessions(ctx context.Context, f upstream.RestoreSessionFilter, p upstream.PageRequest) (upstream.Page[upstream.RestoreSession], error) {
	return o.api.RestoreSessions(ctx, o.scope, f, p)
}

// License is the server's license.
func (o *serverOp) License(ctx context.Context) (*upstream.License, error) {
	return o.api.License(ctx, o.scope)
}

// ServiceInstance is what the server says of itself.
func (o *serverOp) ServiceInstance(ctx context.Context) (*upstream.ServiceInstance, error) {
	return o.api.ServiceInstance(ctx, o.scope)
}

// Health is the server's health report.
func (o *serverOp) Health(ctx context.Context) (*upstream.Health, error) {
	return o.api.Health(ctx, o.scope)
}

// SyncState is an organization's directory synchronization (a call per
// organization).
func (o *serverOp) SyncState(ctx context.Context, organizationID string) (*upstream.SyncState, error) {
	return o.api.SyncState(ctx, o.scope, organizationID)
}

// LicenseUsage is what an organization's users take of the license (nil:
// the server reports none), from the one listing of every organization's.
func (o *serverOp) LicenseUsage(ctx context.Context, organizationID string) (*upstream.LicenseUsage, error) {
	all, err := o.api.LicenseUsages(ctx, o.scope)
	for i := range all {
		if sameID(all[i].OrganizationID, organizationID) {
			return &all[i], nil
		}
	}
	return nil, err
}

// LicenseAutoUpdate is whether the license updates itself.
func (o *serverOp) LicenseAutoUpdate(ctx context.Context) (*bool, error) {
	return o.api.LicenseAutoUpdate(ctx, o.scope)
}

// RestorePortal is the server's restore portal's settings.
func (o *serverOp) RestorePortal(ctx context.Context) (*upstream.RestorePortal, error) {
	return o.api.RestorePortalSettings(ctx, o.scope)
}

// Act takes an action on a job (sent once: see upstream.Client.Act). What
// the loaders hold of the job is its state before: it is dropped.
func (o *serverOp) Act(ctx context.Context, job upstream.JobRef, a upstream.Action, full bool) (upstream.Acted, error) {
	acted, err := o.api.Act(ctx, o.scope, job, a, full)
	o.jobs.Clear(ctx, strings.ToLower(job.ID))
	o.copyJobs.Clear(ctx, strings.ToLower(job.ID))
	return acted, err
}

// SyncOrganization starts an organization's directory synchronization.
func (o *serverOp) SyncOrganization(ctx context.Context, organizationID string, t upstream.SyncType) (upstream.Changed, error) {
	return o.api.SyncOrganization(ctx, o.scope, organizationID, t)
}

// SynchronizeRepository starts a repository's synchronization; what the
// loader holds of it is its state before: it is dropped.
func (o *serverOp) SynchronizeRepository(ctx context.Context, repositoryID string) (*upstream.RepositorySync, upstream.Changed, error) {
	sync, changed, err := o.api.SynchronizeRepository(ctx, o.scope, repositoryID)
	o.repositories.Clear(ctx, strings.ToLower(repositoryID))
	return sync, changed, err
}

// RevokeLicense takes a licensed user's license back.
func (o *serverOp) RevokeLicense(ctx context.Context, licensedUserID string) (upstream.Changed, error) {
	return o.api.RevokeLicense(ctx, o.scope, licensedUserID)
}

// ProxyMaintenance switches a proxy's maintenance mode; what the loader
// holds of it is its state before: it is dropped.
func (o *serverOp) ProxyMaintenance(ctx context.Context, proxyID string, on bool, creds upstream.Credentials) (upstream.Changed, error) {
	changed, err := o.api.ProxyMaintenance(ctx, o.scope, proxyID, on, creds)
	o.proxies.Clear(ctx, strings.ToLower(proxyID))
	return changed, err
}

// OpenRestoreSession opens a restore session, which later lookups in the
// operation find without a call.
func (o *serverOp) OpenRestoreSession(ctx context.Context, organizationID string, kind upstream.RestoreKind, opts upstream.ExploreOptions) (*upstream.RestoreSession, upstream.Changed, error) {
	rs, changed, err := o.api.OpenRestoreSession(ctx, o.scope, organizationID, kind, opts)
	if rs != nil {
		o.restores.Prime(ctx, strings.ToLower(rs.ID), rs)
	}
	return rs, changed, err
}

// CloseRestoreSession stops a restore session; what the loader holds of it
// is its state before: it is dropped.
func (o *serverOp) CloseRestoreSession(ctx context.Context, id string) (upstream.Changed, error) {
	changed, err := o.api.CloseRestoreSession(ctx, o.scope, id)
	o.restores.Clear(ctx, strings.ToLower(id))
	return changed, err
}

// Mailboxes is one page of the mailboxes a restore session shows.
func (o *serverOp) Mailboxes(ctx context.Context, sessionID string, p upstream.PageRequest) (upstream.Page[upstream.Mailbox], error) {
	return o.api.Mailboxes(ctx, o.scope, sessionID, p)
}

// MailFolders is one page of a mailbox's folders under parentID.
func (o *serverOp) MailFolders(ctx context.Context, sessionID, mailboxID, parentID string, p upstream.PageRequest) (upstream.Page[upstream.MailFolder], error) {
	return o.api.MailFolders(ctx, o.scope, sessionID, mailboxID, parentID, p)
}

// MailItems is one page of a mailbox folder's items.
func (o *serverOp) MailItems(ctx context.Context, sessionID, mailboxID, folderID string, p upstream.PageRequest) (upstream.Page[upstream.MailItem], error) {
	return o.api.MailItems(ctx, o.scope, sessionID, mailboxID, folderID, p)
}

// SessionOneDrives is one page of the OneDrives a restore session shows.
func (o *serverOp) SessionOneDrives(ctx context.Context, sessionID string, p upstream.PageRequest) (upstream.Page[upstream.SessionOneDrive], error) {
	return o.api.SessionOneDrives(ctx, o.scope, sessionID, p)
}

// DriveEntries is one page of a OneDrive's folders or documents.
func (o *serverOp) DriveEntries(ctx context.Context, sessionID, oneDriveID, parentID string, folders bool, p upstream.PageRequest) (upstream.Page[upstream.DriveEntry], error) {
	return o.api.DriveEntries(ctx, o.scope, sessionID, oneDriveID, parentID, folders, p)
}

// Reach is what the client last heard from its server.
func (o *serverOp) Reach() upstream.Reach { return o.api.Reach() }

// Version is the API version the server speaks.
func (o *serverOp) Version() int { return o.api.Version() }
