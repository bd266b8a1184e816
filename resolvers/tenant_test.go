package resolvers_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
	"github.com/vb365-graphql/vb365-graphql/upstream/vb365sim"
)

// TestTenantHygiene: each organization's sync state, license usage, the
// license's automatic update and the restore portal, as the server says,
// on the versions that have them; null or NOT_SUPPORTED_BY_VERSION (naming
// the version) on the others.
func TestTenantHygiene(t *testing.T) {
	t.Parallel()
	const q = `{ organizations { nodes { name licensing { licensedUsers newUsers }
		syncState { last { type succeeded startTime endTime error } current { type running scheduledTime } }
		licenseUsage { usedObjects usedPoints newObjects newPoints } } }
		license { autoUpdate } server { restorePortal { enabled applicationId portalUrl msalAuthorityUrl } } }`
	for _, v := range []int{3, 6, 7, 8} {
		g := testenv.Start(t, testenv.Options{Version: v, Unshared: true})
		r := g.Do(t, q, nil)
		var d struct {
			Organizations struct {
				Nodes []struct {
					Name      string
					Licensing struct{ LicensedUsers, NewUsers int }
					SyncState *struct {
						Last *struct {
							Type      string
							Succeeded bool
							Error     *string
						}
						Current *struct{ Running bool }
					}
					LicenseUsage *struct{ UsedObjects, NewObjects int }
				}
			}
			License struct{ AutoUpdate *bool }
			Server  struct{ RestorePortal *struct{ Enabled bool } }
		}
		if err := json.Unmarshal(r.Data, &d); err != nil || len(d.Organizations.Nodes) != 3 {
			t.Fatalf("v%d: %v %s", v, err, r.Raw)
		}
		unsupported := 0
		for _, e := range r.Errors {
			if e.Extensions["code"] != "NOT_SUPPORTED_BY_VERSION" || !strings.Contains(e.Message, "v7") {
				t.Errorf("v%d: %s", v, r.Raw)
			}
			unsupported++
		}
		if v < 7 && unsupported != 6 || v >= 7 && unsupported != 0 {
			t.Errorf("v%d: %d NOT_SUPPORTED_BY_VERSION errors: %s", v, unsupported, r.Raw)
		}
		if (d.License.AutoUpdate != nil) != (v >= 6) || (d.Server.RestorePortal != nil) != (v >= 6) {
			t.Errorf("v%d: autoUpdate %v, restorePortal %v", v, d.License.AutoUpdate, d.Server.RestorePortal)
		}
		if v < 7 {
			continue
		}
		for i, o := range d.Organizations.Nodes {
			if o.LicenseUsage == nil || o.LicenseUsage.UsedObjects != o.Licensing.LicensedUsers || o.LicenseUsage.NewObjects != o.Licensing.NewUsers {
				t.Errorf("v%d %s: license usage %+v, its licensing %+v", v, o.Name, o.LicenseUsage, o.Licensing)
			}
			last := o.SyncState.Last
			if failed := i == 2; last == nil || last.Succeeded == failed || (last.Error != nil) != failed || last.Type != "INCREMENTAL" || o.SyncState.Current != nil && o.SyncState.Current.Running {
				t.Errorf("v%d %s: sync state %s", v, o.Name, r.Raw)
			}
		}
	}
}

// TestEstateActions: an operator synchronizes an organization and a
// repository and revokes a license, each sent once however often repeated
// with its key, refused where the server refuses, audited; a viewer is
// refused before any call.
func TestEstateActions(t *testing.T) {
	t.Parallel()
	var audit testenv.LogBuffer
	g := actionGateway(t, testenv.Options{Version: 8, Unshared: true, Logs: &audit})
	org := g.Sim.OrganizationIDs()[0]
	syncOrg := `mutation($id: ID!, $cid: String) { syncOrganization(input: {id: $id, type: FULL, clientMutationId: $cid}) {
		clientMutationId organization { name syncState { current { type running } } } } }`
	for range 2 {
		r := as(t, g, operatorKey, "", syncOrg, map[string]any{"id": org, "cid": "sync-1"})
		if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"current":{"type":"FULL","running":true}`) {
			t.Fatalf("syncOrganization: %s", r.Raw)
		}
	}
	if a := g.Sim.Actions(); len(a) != 1 || !strings.HasSuffix(a[0].Path, "/Sync") || a[0].Body != `{"type":"Full"}` {
		t.Errorf("two syncs with one key sent %+v", a)
	}
	if r := as(t, g, operatorKey, "", syncOrg, map[string]any{"id": org, "cid": "sync-2"}); codeOf(r) != "ACTION_REFUSED" {
		t.Errorf("a sync while one runs: %s", r.Raw)
	}

	repo := g.Sim.RepositoryIDs()[1]
	r := as(t, g, operatorKey, "repo-1", `mutation($id: ID!) { synchronizeRepository(input: {id: $id}) { state progressPercent repository { name } } }`, map[string]any{"id": repo})
	if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"state":"Synchronizing","progressPercent":0,"repository":{"name":`) {
		t.Errorf("synchronizeRepository: %s", r.Raw)
	}

	users := func() string {
		return string(as(t, g, operatorKey, "", `{ licensedUsers(first: 1000) { nodes { id } } }`, nil).Raw)
	}
	var first struct {
		LicensedUsers struct{ Nodes []struct{ ID string } }
	}
	_ = json.Unmarshal(as(t, g, operatorKey, "", `{ licensedUsers(first: 1) { nodes { id } } }`, nil).Data, &first)
	victim := first.LicensedUsers.Nodes[0].ID
	revoke := `mutation($id: ID!) { revokeLicense(input: {id: $id, clientMutationId: "revoke-1"}) { clientMutationId licensedUserId } }`
	g.Sim.ResetActions()
	for range 2 {
		if r := as(t, g, operatorKey, "", revoke, map[string]any{"id": victim}); len(r.Errors) > 0 || !strings.Contains(string(r.Data), victim) {
			t.Errorf("revokeLicense: %s", r.Raw)
		}
	}
	if a := g.Sim.Actions(); len(a) != 1 || a[0].Method != "DELETE" || strings.Contains(users(), victim) {
		t.Errorf("a license revoked twice with one key: %+v; still listed: %v", a, strings.Contains(users(), victim))
	}

	g.Sim.ResetCalls()
	g.Sim.ResetActions()
	for _, m := range []string{syncOrg, revoke} {
		if r := as(t, g, viewerKey, "", m, map[string]any{"id": org, "cid": "x"}); codeOf(r) != "FORBIDDEN" {
			t.Errorf("a viewer's %.40s: %s", m, r.Raw)
		}
	}
	if len(g.Sim.Actions()) != 0 || g.Sim.DataCalls() != 0 {
		t.Errorf("a viewer's actions reached the upstream: %+v %v", g.Sim.Actions(), g.Sim.Calls())
	}
	for _, want := range []string{"mutation=syncOrganization organization=" + org + " sync=Full who=ops-console", "mutation=synchronizeRepository repository=" + repo,
		"mutation=revokeLicense licensed_user=" + victim, "outcome=repeated", "outcome=refused upstream_status=400", "role=viewer outcome=forbidden"} {
		if !strings.Contains(audit.String(), want) {
			t.Errorf("the audit log lacks %s", want)
		}
	}
	if n := strings.Count(audit.String(), `msg="estate action"`); n != 8 {
		t.Errorf("%d estate actions audited, want 8:\n%s", n, audit.String())
	}
}

// TestProxyMaintenance: an operator switches a proxy's maintenance mode
// with the credentials the gateway's operator configured for its host
// (--proxy-credentials-file), which appear in no answer and no log; a proxy
// without credentials is refused before any call; before v8 the mutation
// is NOT_SUPPORTED_BY_VERSION, naming v8.
func TestProxyMaintenance(t *testing.T) {
	t.Parallel()
	user, password := vb365sim.New(vb365sim.Options{}).ProxyCredentials()
	file := filepath.Join(t.TempDir(), "proxies")
	if err := os.WriteFile(file, []byte("# host user password\nvbo-proxy01 "+user+" "+password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var logs testenv.LogBuffer
	g := actionGateway(t, testenv.Options{Version: 8, Unshared: true, Logs: &logs, Env: map[string]string{"VB365_PROXY_CREDENTIALS_FILE": file}})
	var proxies struct {
		Proxies struct {
			Nodes []struct{ ID, HostName string }
		}
	}
	_ = json.Unmarshal(as(t, g, operatorKey, "", `{ proxies { nodes { id hostName } } }`, nil).Data, &proxies)
	ids := map[string]string{}
	for _, p := range proxies.Proxies.Nodes {
		ids[p.HostName] = p.ID
	}
	set := `mutation($id: ID!, $on: Boolean!) { setProxyMaintenance(input: {id: $id, enabled: $on, clientMutationId: "m"}) { proxy { hostName maintenanceMode } } }`
	r := as(t, g, operatorKey, "", set, map[string]any{"id": ids["vbo-proxy01"], "on": true})
	if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"maintenanceMode":"Enabled"`) || !g.Sim.ProxyInMaintenance(ids["vbo-proxy01"]) {
		t.Errorf("maintenance on: %s", r.Raw)
	}
	if r := as(t, g, operatorKey, "", set, map[string]any{"id": ids["vbo-proxy01"], "on": false}); len(r.Errors) > 0 || g.Sim.ProxyInMaintenance(ids["vbo-proxy01"]) {
		t.Errorf("maintenance off: %s", r.Raw)
	}
	g.Sim.ResetActions()
	if r := as(t, g, operatorKey, "", set, map[string]any{"id": ids["vbo-proxy02"], "on": true}); codeOf(r) != "BAD_USER_INPUT" || !strings.Contains(r.Errors[0].Message, "proxy-credentials-file") || len(g.Sim.Actions()) != 0 {
		t.Errorf("a proxy without credentials: %s %+v", r.Raw, g.Sim.Actions())
	}
	if strings.Contains(logs.String(), password) || !strings.Contains(logs.String(), "mutation=setProxyMaintenance proxy="+ids["vbo-proxy01"]+" maintenance=true") {
		t.Errorf("the log shows the password, or no audit line:\n%s", logs.String())
	}

	old := actionGateway(t, testenv.Options{Version: 7, Env: map[string]string{"VB365_PROXY_CREDENTIALS_FILE": file}})
	if r := as(t, old, operatorKey, "", set, map[string]any{"id": ids["vbo-proxy01"], "on": true}); codeOf(r) != "NOT_SUPPORTED_BY_VERSION" || !strings.Contains(r.Errors[0].Message, "v8") {
		t.Errorf("v7: %s", r.Raw)
	}
}
