package e2e

import (
	"testing"

	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
)

// BenchmarkRoutes runs a cached single-session query through everything in
// front of the resolvers too: body limit, deadline, compression, CORS.
func BenchmarkRoutes(b *testing.B) {
	g := testenv.Start(b, testenv.Options{})
	h := g.Handler
	body := `{"query":"{ jobSession(id: \"` + g.Sim.SessionIDs()[7] + `\") { id status statistics { transferredDataBytes bottleneck } } }"}`
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if rec := testenv.Post(h, []byte(body)); rec.Code != 200 {
			b.Fatal(rec.Body.String())
		}
	}
}
