package resolvers

import (
	"math"
	"time"

	"github.com/vb365-graphql/vb365-graphql/graph"
	"github.com/vb365-graphql/vb365-graphql/upstream"
)

// Complexity makes every page cost its children times its size, so that
// jobSessions(first: 1000) { log(first: 1000) } is refused before it runs.
// A size is priced as the page the resolver would serve (at most
// MaxPageSize; a larger one is refused when it runs), and every product and
// sum saturates, so no size or nesting wraps a cost around to a small one.
//
// A lookup by id costs a call per server it may ask: every server, unless
// the client names one (the gateway may know the id's server, but the price
// is set before anything is looked up). So does a subscription's first fetch.
func Complexity(servers int) graph.ComplexityRoot {
	page := func(child int, first, last *int) int {
		n := defaultPageSize
		if first != nil {
			n = *first
		} else if last != nil {
			n = *last
		}
		return costOf(child, min(n, MaxPageSize))
	}
	var c graph.ComplexityRoot
	byID := func(child int, _ string, server *string) int {
		if server != nil {
			return costOf(child, 1)
		}
		return min(child, maxCost-servers) + servers
	}
	c.Query.JobSession, c.Query.Job, c.Query.Organization, c.Query.BackupRepository = byID, byID, byID, byID
	c.Query.Proxy, c.Query.CopyJob, c.Query.RestoreSession = byID, byID, byID
	c.Subscription.JobSessionUpdated, c.Subscription.RestoreSessionUpdated = byID, byID
	// An estate-wide subscription starts with a listing on each server.
	estate := func(child int, _, _ *string, _ []upstream.SessionStatus, _ []string) int {
		return min(child, maxCost-servers) + servers
	}
	c.Subscription.JobSessionChanged, c.Subscription.JobSessionFinished = estate, estate
	c.Subscription.RestoreSessionChanged = func(child int, _ *string, _ []string) int { return min(child, maxCost-servers) + servers }
	// A nodeId names its server: a call each.
	c.Query.Node = func(child int, _ string) int { return costOf(child, 1) }
	c.Query.Nodes = func(child int, ids []string) int { return costOf(child, len(ids)) }
	c.Query.JobSessions = func(child int, first *int, _ *string, last *int, _ *string, _ *string, _ *upstream.SessionStatus, _ *upstream.JobType, _, _ *time.Time, _ []string) int {
		return page(child, first, last)
	}
	c.Job.Sessions = func(child int, first *int, _ *string, last *int, _ *string, _ *upstream.SessionStatus, _, _ *time.Time) int {
		return page(child, first, last)
	}
	c.JobSession.Log = func(child int, first *int, _ *string, last *int, _ *string) int { return page(child, first, last) }
	plain := func(child int, first *int, _ *string, last *int, _ *string) int { return page(child, first, last) }
	// Root lists also take the servers to ask; a page costs the same whoever answers it.
	root := func(child int, first *int, _ *string, last *int, _ *string, _ []string) int {
		return page(child, first, last)
	}
	c.Query.Jobs, c.Query.Organizations, c.Query.Proxies, c.Query.ProxyPools = root, root, root, root
	c.Organization.Jobs, c.BackupRepository.Jobs = plain, plain
	c.Query.BackupRepositories = func(child int, first *int, _ *string, last *int, _ *string, _ *string, _ *bool, _ []string) int {
		return page(child, first, last)
	}
	c.Query.CopyJobs = func(child int, first *int, _ *string, last *int, _ *string, _ *string, _ []string) int {
		return page(child, first, last)
	}
	c.Query.LicensedUsers = func(child int, first *int, _ *string, last *int, _ *string, _, _ *string, _ []string) int {
		return page(child, first, last)
	}
	c.Organization.LicensedUsers = func(child int, first *int, _ *string, last *int, _ *string, _ *string) int {
		return page(child, first, last)
	}
	c.JobSession.ProcessedObjects = func(child int, first *int, _ *string, last *int, _ *string, _ *upstream.ObjectStatus) int {
		return page(child, first, last)
	}
	c.RestoreSession.Events = plain
	points := func(child int, first *int, _ *string, last *int, _ *string, _, _ *time.Time) int {
		return page(child, first, last)
	}
	c.Job.RestorePoints, c.Organization.RestorePoints, c.BackupRepository.RestorePoints = points, points, points
	c.OrganizationUser.RestorePoints, c.OrganizationGroup.RestorePoints = points, points
	c.OrganizationSite.RestorePoints, c.OrganizationTeam.RestorePoints = points, points
	c.Query.RestorePoints = func(child int, first *int, _ *string, last *int, _ *string, _, _, _ *string, _, _ *time.Time, _, _ *bool, _, _, _, _ *string, _ []string) int {
		return page(child, first, last)
	}
	c.Query.RestoreSessions = func(child int, first *int, _ *string, last *int, _ *string, _, _ *time.Time, _ []string) int {
		return page(child, first, last)
	}
	// The directory: a page of users costs its items like any page; the
	// protected filter and a protection count read the whole directory and
	// every repository's data, priced as a page of the default size.
	dirPage := func(child int, first, last *int, protected *bool) int {
		if protected != nil {
			return page(child, first, last) + defaultPageSize
		}
		return page(child, first, last)
	}
	c.Organization.Users = func(child int, first *int, _ *string, last *int, _ *string, _, _ *string, _ *upstream.LocationFilter, _ *upstream.DataSource, protected *bool) int {
		return dirPage(child, first, last, protected)
	}
	c.Organization.Groups = c.Organization.Users
	c.Organization.Sites = func(child int, first *int, _ *string, last *int, _ *string, _ *string, _ *bool, _ *upstream.DataSource, protected *bool) int {
		return dirPage(child, first, last, protected)
	}
	c.Organization.Teams = func(child int, first *int, _ *string, last *int, _ *string, _ *string, _ *upstream.DataSource, protected *bool) int {
		return dirPage(child, first, last, protected)
	}
	wholeCount := func(child int) int { return costOf(child, 1) + defaultPageSize }
	c.ProtectionSummary.Users, c.ProtectionSummary.Groups, c.ProtectionSummary.Sites, c.ProtectionSummary.Teams = wholeCount, wholeCount, wholeCount, wholeCount
	// A summary reads its whole list (the newest 10,000), priced alike.
	c.JobSessionConnection.Summary = wholeCount
	c.Organization.JobSessionSummary = func(child int, _, _ *time.Time) int { return wholeCount(child) }
	c.OrganizationGroup.Members = plain
	c.Job.SelectedItems, c.Job.ExcludedItems = plain, plain
	c.RestoreSession.Mailboxes, c.MailFolder.Folders, c.MailFolder.Items = plain, plain, plain
	inFolder := func(child int, _ *string, first *int, _ *string, last *int, _ *string) int {
		return page(child, first, last)
	}
	c.Mailbox.Folders, c.Mailbox.Items = inFolder, inFolder
	c.Mailbox.Search = func(child int, _ string, _ *string, first *int, _ *string, last *int, _ *string) int {
		return page(child, first, last)
	}
	c.RestoreSession.OneDrives = plain
	c.RestoreSession.Sites, c.RestoreSession.Teams = plain, plain
	c.RestoreSite.Libraries, c.RestoreSite.Lists, c.RestoreTeam.Channels = plain, plain, plain
	c.RestoreSite.Folders, c.RestoreSite.Documents, c.RestoreSite.Items = inFolder, inFolder, inFolder
	c.TeamChannel.Posts, c.TeamChannel.Tabs, c.TeamChannel.Files = plain, plain, inFolder
	c.RestoreOneDrive.Folders, c.RestoreOneDrive.Documents = inFolder, inFolder
	c.DriveEntry.Versions = plain
	c.BackupRepository.UserData, c.BackupRepository.GroupData, c.BackupRepository.SiteData = plain, plain, plain
	c.BackupRepository.TeamData, c.BackupRepository.OrganizationData, c.BackupRepository.BackedUpOrganizations = plain, plain, plain
	// Each representation costs what is selected of it, as a page's item does.
	c.SetEntitiesComplexity(func(child int, reps []map[string]any) int { return costOf(child, len(reps)) })
	return c
}

// maxCost is where costs saturate: far above any limit, far below overflow
// (gqlgen's own sums saturate too).
const maxCost = math.MaxInt32

// costOf is what n items (at least one) of cost child each cost, plus the
// field itself, saturating at maxCost.
func costOf(child, n int) int {
	n, child = max(n, 1), max(child, 0)
	if child >= maxCost/n {
		return maxCost
	}
	return 1 + child*n
}
