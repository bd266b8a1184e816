package graphqlhttp_test

import (
	"testing"

	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
	"github.com/vb365-graphql/vb365-graphql/upstream"
)

// newGateway is the handler over a simulator. Sharing is off unless asked
// for: these tests count the calls each query makes.
func newGateway(t testing.TB, o testenv.Options, share bool) *testenv.Gateway {
	t.Helper()
	client := o.Client
	o.Client = func(c *upstream.Options) {
		c.Sharing.Off = !share
		if client != nil {
			client(c)
		}
	}
	return testenv.New(t, o).Gateway(t, nil)
}

// noListing makes each job cost its own GET.
func noListing(c *upstream.Options) { c.JobListThreshold = 0 }
