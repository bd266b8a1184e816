package main

import (
	"testing"

	"github.com/vb365-graphql/vb365-graphql/graphqlhttp"
	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
	"github.com/vb365-graphql/vb365-graphql/telemetry"
	"github.com/vb365-graphql/vb365-graphql/upstream"
)

// BenchmarkRoutes runs a cached single-session query through everything in
// front of the resolvers too: body limit, deadline, compression, CORS.
func BenchmarkRoutes(b *testing.B) {
	metrics := telemetry.New()
	env := testenv.New(b, testenv.Options{Client: func(o *upstream.Options) { o.Observer = metrics.ForServer("default") }})
	metrics.WatchClient(env.Client)
	h, err := routes(parts{servers: []graphqlhttp.API{env.Client}, metrics: metrics, ready: env.Client.Ping}, settingsFrom(b, nil))
	if err != nil {
		b.Fatal(err)
	}
	body := `{"query":"{ jobSession(id: \"` + env.Sim.SessionIDs()[7] + `\") { id status statistics { transferredDataBytes bottleneck } } }"}`
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if rec := testenv.Post(h, []byte(body)); rec.Code != 200 {
			b.Fatal(rec.Body.String())
		}
	}
}
