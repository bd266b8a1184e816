package upstream_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"

	"github.com/bytedance/sonic"
	gojson "github.com/goccy/go-json"
	segjson "github.com/segmentio/encoding/json"

	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
	"github.com/vb365-graphql/vb365-graphql/upstream"
	"github.com/vb365-graphql/vb365-graphql/upstream/vb365sim"
)

// simBody is the simulator's answer to GET path (a real answer of that
// version, as the client receives it).
func simBody(tb testing.TB, version int, path string) []byte {
	tb.Helper()
	sim := vb365sim.New(vb365sim.Options{Version: version, Anchor: testenv.Anchor, Now: testenv.NewClock().Now})
	ts := httptest.NewServer(sim)
	defer ts.Close()
	v := "/v" + strconv.Itoa(version)
	user, pass := sim.Credentials()
	resp, err := http.PostForm(ts.URL+v+"/token", url.Values{"grant_type": {"password"}, "username": {user}, "password": {pass}})
	if err != nil {
		tb.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	req, _ := http.NewRequest(http.MethodGet, ts.URL+v+path, nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("GET %s: HTTP %d %s", path, resp.StatusCode, b)
	}
	return b
}

// BenchmarkDecodeSessions is the client's decoding of a 50-session page.
func BenchmarkDecodeSessions(b *testing.B) {
	for _, version := range []int{8, 6} {
		b.Run("v"+strconv.Itoa(version), func(b *testing.B) {
			body := simBody(b, version, "/JobSessions?offset=0&limit=50")
			if version < 5 {
				body = simBody(b, version, "/JobSessions")
			}
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := upstream.DecodeSessions(body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecoders measures the candidate JSON decoders on the answer that
// costs the most under load with sharing off: a page of 50 sessions, v8.
func BenchmarkDecoders(b *testing.B) {
	body := simBody(b, 8, "/JobSessions?offset=0&limit=50")
	candidates := []struct {
		name      string
		unmarshal func([]byte, any) error
	}{
		{"encoding-json", json.Unmarshal},
		{"goccy-go-json", gojson.Unmarshal},
		{"bytedance-sonic", sonic.Unmarshal},
		{"bytedance-sonic-std", sonic.ConfigStd.Unmarshal},
		{"segmentio-encoding", segjson.Unmarshal},
	}
	for _, c := range candidates {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				var p upstream.WireSessionPage
				if err := c.unmarshal(body, &p); err != nil || len(p.Results) != 50 {
					b.Fatal(err, len(p.Results))
				}
			}
		})
	}
}
