package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
)

// TestAuditTrail: every mutation is one INFO line saying who (the key's
// name), what, on which job, how it went and what the upstream answered,
// and no line holds an API key or the upstream's password.
func TestAuditTrail(t *testing.T) {
	const opKey, viewKey = "audit-operator-key-77", "audit-viewer-key-78"
	logs := &testenv.LogBuffer{}
	gw := testenv.Start(t, testenv.Options{Logs: logs, Env: jsonLogs(map[string]string{
		"VB365_API_KEYS": opKey + " operator console," + viewKey + " viewer wallboard"})})
	sim := gw.Sim
	job := sim.JobIDs()[5]
	vars := map[string]any{"id": job}
	op := map[string]string{"X-API-Key": opKey}
	start := `mutation($id: ID!) { startJob(input: {id: $id, clientMutationId: "a1"}) { session { id } } }`
	post(t, gw.URL+"/graphql", start, vars, map[string]string{"X-API-Key": viewKey})                               // forbidden
	post(t, gw.URL+"/graphql", start, vars, op)                                                                    // done
	post(t, gw.URL+"/graphql", start, vars, op)                                                                    // repeated (same clientMutationId)
	post(t, gw.URL+"/graphql", `mutation($id: ID!) { startJob(input: {id: $id}) { session { id } } }`, vars, op)   // refused: running
	post(t, gw.URL+"/graphql", `mutation { stopJob(input: {id: "1; DROP TABLE"}) { clientMutationId } }`, nil, op) // failed: a bad id

	var lines []map[string]any
	for _, l := range strings.Split(logs.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == "job action" {
			lines = append(lines, m)
		}
	}
	want := []struct{ who, mutation, outcome string }{
		{"wallboard", "startJob", "forbidden"}, {"console", "startJob", "done"}, {"console", "startJob", "repeated"},
		{"console", "startJob", "refused"}, {"console", "stopJob", "failed"},
	}
	if len(lines) != len(want) {
		t.Fatalf("%d audit lines, want %d:\n%s", len(lines), len(want), logs.String())
	}
	for i, w := range want {
		l := lines[i]
		if l["level"] != "INFO" || l["who"] != w.who || l["mutation"] != w.mutation || l["outcome"] != w.outcome || l["via"] != "api-key" || l["request_id"] == nil {
			t.Errorf("line %d: %v, want %+v", i, l, w)
		}
	}
	if lines[1]["job"] != job || lines[1]["upstream_status"] != float64(200) || lines[1]["session"] == nil || lines[3]["upstream_status"] != float64(400) {
		t.Errorf("the done and refused lines: %v / %v", lines[1], lines[3])
	}
	for _, secret := range []string{opKey, viewKey, testenv.Secret} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("a log line holds a secret (%.6s…)", secret)
		}
	}
}
