package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkRoutes runs a cached single-session query through everything in
// front of the resolvers too: body limit, deadline, compression, CORS.
func BenchmarkRoutes(b *testing.B) {
	gw, sim := demoGatewayB(b)
	body := `{"query":"{ jobSession(id: \"` + sim.SessionIDs()[7] + `\") { id status statistics { transferredDataBytes bottleneck } } }"}`
	h := gw
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Body.String())
		}
	}
}
