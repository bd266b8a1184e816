package upstream_test

import (
	"context"
	"testing"

	"github.com/vb365-graphql/vb365-graphql/upstream"
)

// TestItemsSayTheirServer: whatever the route, an item carries the name of
// the server it came from.
func TestItemsSayTheirServer(t *testing.T) {
	t.Parallel()
	sim, c := newPair(t, 8, func(o *upstream.Options) { o.Name = "east" })
	ctx, s := context.Background(), none(c)
	session, err := c.JobSession(ctx, s, sim.SessionIDs()[0])
	if err != nil || session.ServerName != "east" {
		t.Fatalf("a session: %+v %v", session, err)
	}
	page, _ := c.JobSessions(ctx, s, upstream.SessionFilter{}, upstream.PageRequest{Limit: 3})
	jobs, _ := c.Jobs(ctx, s)
	orgs, _ := c.Organizations(ctx, s)
	restores, _ := c.RestoreSessions(ctx, s, upstream.RestoreSessionFilter{}, upstream.PageRequest{Limit: 2})
	lic, _ := c.License(ctx, s)
	for what, name := range map[string]string{"listed session": page.Items[0].ServerName, "job": jobs[0].ServerName,
		"organization": orgs[0].ServerName, "restore session": restores.Items[0].ServerName, "license": lic.ServerName} {
		if name != "east" {
			t.Errorf("a %s says server %q", what, name)
		}
	}
}
