package resolvers_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
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
	{"errors", `query($bad: ID!, $none: ID!) { bad: jobSession(id: $bad) { id } none: jobSession(id: $none) { id } }`,
		func(*testenv.Gateway) map[string]any {
			return map[string]any{"bad": "1; DROP TABLE", "none": "00000000-0000-0000-0000-000000000000"}
		}},
}

func TestGoldenResponses(t *testing.T) {
	for _, v := range []int{3, 6, 8} {
		g := testenv.New(t, testenv.Options{Version: v, Unshared: true}).Gateway(t, nil)
		for _, q := range goldenQueries {
			t.Run(fmt.Sprintf("v%d/%s", v, q.name), func(t *testing.T) {
				r := g.Do(t, q.query, q.vars(g))
				var pretty bytes.Buffer
				if err := json.Indent(&pretty, r.Raw, "", "  "); err != nil {
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
