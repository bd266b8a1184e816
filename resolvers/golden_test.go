package resolvers_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
	"github.com/vb365-graphql/vb365-graphql/upstream"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// goldenQueries are full responses kept under testdata/golden/vN/NAME.json.
// The simulator's data is fixed by its anchor time, so they are stable; a
// change in them is a change clients see.
var goldenQueries = []struct {
	name, query string
	vars        func(g *testenv.Gateway) map[string]any
}{
	{"session", `query($id: ID!) { jobSession(id: $id) { id jobId creationTime endTime progress status details retryCount jobWillBeRetried mainSessionId jobType configType repositoryId proxyId proxyPoolId eTag
		statistics { processingRateBytesPS processingRateItemsPS readRateBytesPS writeRateBytesPS transferredDataBytes processedObjects bottleneck } } }`,
		func(g *testenv.Gateway) map[string]any { return map[string]any{"id": g.Sim.SessionIDs()[9]} }},
	{"running-session", `query($id: ID!) { jobSession(id: $id) { id status progress endTime statistics { transferredDataBytes bottleneck } log { totalCount nodes { usn type message } } } }`,
		func(g *testenv.Gateway) map[string]any { return map[string]any{"id": g.Sim.LiveSessionIDs()[0]} }},
	{"session-job-log", `query($id: ID!) { jobSession(id: $id) { id status
		job { id name description backupType isEnabled lastRun nextRun lastBackup lastStatus organizationId repositoryId eTag
			schedulePolicy { type scheduleEnabled backupWindowEnabled periodicallyEvery periodicallyOffsetMinutes dailyType dailyTime retryEnabled retryNumber retryWaitInterval } }
		log(first: 3) { totalCount edges { cursor node { id usn title type message creationTime endTime } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }`,
		func(g *testenv.Gateway) map[string]any { return map[string]any{"id": g.Sim.SessionIDs()[9]} }},
	{"sessions-page-2", `{ jobSessions(first: 4, after: "b2Zmc2V0OjM") { totalCount edges { cursor node { id status creationTime job { name } } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`,
		func(*testenv.Gateway) map[string]any { return nil }},
	{"jobs-with-sessions", `{ jobs(first: 3) { totalCount nodes { id name lastStatus sessions(first: 2) { totalCount nodes { id status } pageInfo { hasNextPage endCursor } } } } }`,
		func(*testenv.Gateway) map[string]any { return nil }},
	{"estate", `{ server { version productVersion installationId health { status entries { name status description } } }
		organizations { totalCount nodes { id name officeName description type region isExchangeOnline isSharePointOnline isTeamsOnline isTeamsChatsOnline isBackedUp firstBackupTime lastBackupTime
			licensing { licensedUsers newUsers } jobs(first: 2) { totalCount nodes { name } }
			usedRepositories { repository { name } usedSpaceBytes localCacheUsedSpaceBytes objectStorageUsedSpaceBytes isAvailable details protectedObjects }
			licensedUsers(first: 2) { totalCount nodes { name licenseState isBackedUp lastBackup organization { name } organizationName } } } }
		backupRepositories { totalCount nodes { id name description path capacityBytes freeSpaceBytes usedSpaceBytes isLongTerm isOutOfSync isOutdated isIndexed isOutOfOrder outOfOrderReason encryptionEnabled
			retention { type periodType dailyPeriod monthlyPeriod yearlyPeriod } objectStorage { id name type folder usedSpaceBytes freeSpaceBytes sizeLimitBytes }
			proxy { hostName } proxyPool { name } jobs(first: 1) { totalCount nodes { name } } } }
		proxies { totalCount nodes { id hostName fqdn description port type status maintenanceMode cpuUsagePercent memoryUsagePercent threads version operatingSystem roles pool { name } repositories { name } } }
		proxyPools { nodes { id name description proxies { hostName } } }
		copyJobs { totalCount nodes { id name schedule { type periodicallyEvery dailyType dailyTime } lastRun nextRun lastBackup isEnabled lastStatus backupJob { name } repository { name } } }
		license { id email status type package licensedTo contactPerson expires gracePeriodExpires supportId supportExpires total used new }
		licensedUsers(last: 2) { totalCount nodes { name licenseState organization { name } } pageInfo { hasPreviousPage } } }`,
		func(*testenv.Gateway) map[string]any { return nil }},
	{"session-links", `query($id: ID!) { jobSession(id: $id) { id repository { name } proxy { hostName status } organization { name }
		job { name organization { name } repository { name capacityBytes } copyJob { name repository { name } } } } }`,
		func(g *testenv.Gateway) map[string]any { return map[string]any{"id": g.Sim.SessionIDs()[9]} }},
	{"processed-objects", `query($id: ID!) { jobSession(id: $id) { id status
		processedObjects(first: 3) { totalCount edges { cursor node { id objectId type status name address organization { name } session { id } messages { type message } } } pageInfo { hasNextPage endCursor } }
		failed: processedObjects(status: FAILED) { totalCount nodes { id status name messages { message } } } } }`,
		func(g *testenv.Gateway) map[string]any {
			return map[string]any{"id": g.Sim.SessionIDsWithStatus("Failed")[0]}
		}},
	{"restore-points", `{ restorePoints(first: 3, copy: false) { totalCount nodes { id backupTime job { name } organization { name } repository { name }
			isExchange isSharePoint isOneDrive isTeams isLongTermCopy isCopy isRetrieved isDeleted immutabilityExpiresOn } pageInfo { hasNextPage endCursor } }
		copies: restorePoints(first: 2, copy: true) { nodes { backupTime job { name } isCopy isLongTermCopy } }
		jobs(first: 2) { nodes { name restorePoints(first: 2) { nodes { backupTime } } } }
		organizations(first: 1) { nodes { name restorePoints(first: 1, backedUpBefore: "2026-10-20T00:00:00Z") { nodes { backupTime job { name } } } } }
		backupRepositories(last: 1) { nodes { name restorePoints(first: 1) { totalCount nodes { backupTime } } } } }`,
		func(*testenv.Gateway) map[string]any { return nil }},
	{"restore-sessions", `query($live: ID!) { restoreSessions(first: 3) { totalCount edges { cursor node { id name type state result creationTime endTime
			initiatedBy details scopeName clientHost reason organizationName organization { name } eTag
			events(first: 3) { totalCount nodes { id order type status itemName itemType itemSizeBytes source target startTime endTime duration title message } }
			statistics { totalItems restoredItems failedItems skippedItems warnings errors } } } pageInfo { hasNextPage endCursor } }
		oldest: restoreSessions(last: 2) { nodes { id name creationTime result } pageInfo { hasPreviousPage } }
		live: restoreSession(id: $live) { id state result endTime details events(last: 1) { nodes { order status endTime message } } } }`,
		func(g *testenv.Gateway) map[string]any {
			return map[string]any{"live": g.Sim.LiveRestoreSessionIDs()[0]}
		}},
	{"user-protection", `query($org: ID!, $name: String!) { organization(id: $org) { users(name: $name) { totalCount nodes { id name displayName type location office
			organization { name } oneDrives { id name url }
			protection { protected mailbox { backedUp lastBackupTime } archive { backedUp lastBackupTime } oneDrive { backedUp lastBackupTime }
				personalSite { backedUp lastBackupTime } repositories { name } } } } } }`,
		func(g *testenv.Gateway) map[string]any {
			return map[string]any{"org": g.Sim.OrganizationIDs()[0], "name": "user02@"}
		}},
	{"directory", `query($org: ID!) { organization(id: $org) { name
		users(first: 3) { totalCount nodes { name type protection { protected repositories { name } } } pageInfo { hasNextPage } }
		unprotected: users(protected: false, first: 3) { totalCount nodes { name type } }
		groups(first: 2) { totalCount nodes { id name displayName type location managedBy site
			members(first: 3) { totalCount nodes { name login type isCloud user { displayName } } }
			protection { protected mailbox { backedUp lastBackupTime } site { backedUp lastBackupTime } repositories { name } } } }
		sites(first: 2) { totalCount nodes { id title url parentUrl isPersonal isCloud isAvailable protection { protected lastBackupTime repositories { name } } } }
		teams(first: 2) { totalCount nodes { id displayName description mail protection { protected lastBackupTime repositories { name } } } }
		protectionSummary { users { protected unprotected total } groups { protected unprotected total } sites { protected unprotected total } teams { protected unprotected total } } }
	backupRepositories(first: 1) { nodes { name
		userData(first: 2) { totalCount nodes { id objectId displayName email accountType mailbox { backedUp lastBackupTime } archive { backedUp }
			oneDrive { backedUp } personalSite { backedUp } archiveName oneDriveUrls personalSiteUrls user { displayName } organization { name } repository { name } } }
		groupData(first: 1) { nodes { id objectId displayName email mailbox { backedUp lastBackupTime } site { backedUp } siteUrls group { displayName } } }
		siteData(first: 1) { nodes { objectId title url lastBackupTime site { title } organization { name } } }
		teamData(first: 1) { nodes { objectId displayName lastBackupTime team { displayName } } }
		organizationData { nodes { displayName organization { name } } }
		backedUpOrganizations { nodes { name usedSpaceBytes localCacheUsedSpaceBytes objectStorageUsedSpaceBytes organization { name } } } } } }`,
		func(g *testenv.Gateway) map[string]any { return map[string]any{"org": g.Sim.OrganizationIDs()[0]} }},
	{"job-items", `{ jobs(first: 2) { nodes { name
		selectedItems(first: 6) { totalCount nodes { id itemId type mailbox archiveMailbox oneDrive sites teams teamsChats folders
			user { name protection { protected } } group { name } site { title } team { displayName } } pageInfo { hasNextPage } }
		excludedItems(first: 3) { totalCount nodes { type user { name } } pageInfo { hasNextPage } } } } }`,
		func(*testenv.Gateway) map[string]any { return nil }},
	{"tenant", `{ organizations { nodes { name syncState { last { type succeeded startTime endTime error } current { type running scheduledTime startTime } }
			licenseUsage { usedObjects usedPoints newObjects newPoints } } }
		license { autoUpdate } server { restorePortal { enabled applicationId portalUrl msalAuthorityUrl } }
		jobs(first: 3) { nodes { name lastSession { status } lastFinishedSession { status endTime } } }
		jobSessions(createdAfter: "2026-10-28T00:00:00Z") { summary { total succeeded warning failed running stopped successRate averageDuration transferredBytes complete } } }`,
		func(*testenv.Gateway) map[string]any { return nil }},
	{"errors", `query($bad: ID!, $none: ID!) { bad: jobSession(id: $bad) { id } none: jobSession(id: $none) { id } }`,
		func(*testenv.Gateway) map[string]any {
			return map[string]any{"bad": "1; DROP TABLE", "none": "00000000-0000-0000-0000-000000000000"}
		}},
}

func TestGoldenResponses(t *testing.T) {
	t.Parallel()
	for v := upstream.MinVersion; v <= upstream.MaxVersion; v++ {
		g := testenv.Start(t, testenv.Options{Version: v, Unshared: true})
		for _, q := range goldenQueries {
			t.Run(fmt.Sprintf("v%d/%s", v, q.name), func(t *testing.T) {
				r := g.Do(t, q.query, q.vars(g))
				var pretty bytes.Buffer
				if err := json.Indent(&pretty, errorsInPathOrder(t, r.Raw), "", "  "); err != nil {
					t.Fatal(err)
				}
				pretty.WriteByte('\n')
				path := filepath.Join("testdata", "golden", fmt.Sprintf("v%d", v), q.name+".json")
				if *update {
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test ./resolvers -run Golden -update to create it)", err)
				}
				if !bytes.Equal(pretty.Bytes(), want) {
					t.Errorf("%s differs from the golden file; got:\n%s", path, pretty.String())
				}
			})
		}
	}
}

// errorsInPathOrder sorts an answer's errors by path: fields resolve
// concurrently, so errors arrive in any order.
func errorsInPathOrder(t *testing.T, raw []byte) []byte {
	var answer struct {
		Errors []json.RawMessage `json:"errors,omitempty"`
		Data   json.RawMessage   `json:"data"`
	}
	if err := json.Unmarshal(raw, &answer); err != nil {
		t.Fatal(err)
	}
	pathOf := func(e json.RawMessage) string {
		var v struct{ Path []any }
		_ = json.Unmarshal(e, &v)
		return fmt.Sprint(v.Path)
	}
	sort.SliceStable(answer.Errors, func(a, b int) bool { return pathOf(answer.Errors[a]) < pathOf(answer.Errors[b]) })
	out, err := json.Marshal(answer)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
