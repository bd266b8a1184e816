package resolvers

import (
	"time"

	"github.com/vb365-graphql/vb365-graphql/graph"
	"github.com/vb365-graphql/vb365-graphql/upstream"
)

// Complexity makes every page cost its children times its size, so that
// jobSessions(first: 1000) { log(first: 1000) } is refused before it runs.
func Complexity() graph.ComplexityRoot {
	page := func(child int, first, last *int) int {
		n := defaultPageSize
		if first != nil {
			n = max(*first, 1)
		} else if last != nil {
			n = max(*last, 1)
		}
		return 1 + child*n
	}
	var c graph.ComplexityRoot
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
	c.Query.RestorePoints = func(child int, first *int, _ *string, last *int, _ *string, _, _, _ *string, _, _ *time.Time, _, _ *bool, _ []string) int {
		return page(child, first, last)
	}
	c.Query.RestoreSessions = func(child int, first *int, _ *string, last *int, _ *string, _, _ *time.Time, _ []string) int {
		return page(child, first, last)
	}
	// Each representation costs what is selected of it, as a page's item does.
	c.SetEntitiesComplexity(func(child int, reps []map[string]any) int { return 1 + child*max(len(reps), 1) })
	return c
}
