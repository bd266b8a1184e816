package graphqlhttp

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// TestCompressionPrefersGzip: what Node 20's fetch offers gets gzip (the
// tools on it cannot read zstd); zstd only when the client ranks it higher
// or offers nothing else; the body decodes to what was sent.
func TestCompressionPrefersGzip(t *testing.T) {
	body := strings.Repeat(`{"data":{"jobs":[]}}`, 200)
	srv := httptest.NewServer(Compress(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	})))
	defer srv.Close()
	for _, c := range []struct{ offer, want string }{
		{"gzip, deflate, br, zstd", "gzip"},
		{"zstd, gzip", "gzip"},
		{"gzip;q=0.5, zstd", "zstd"},
		{"zstd", "zstd"},
		{"br", ""},
		{"", ""},
	} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
		req.Header.Set("Accept-Encoding", c.offer) // set by hand: Go's transport then leaves the body alone
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var r io.Reader = resp.Body
		switch got := resp.Header.Get("Content-Encoding"); {
		case got != c.want:
			t.Errorf("offered %q: answered in %q, want %q", c.offer, got, c.want)
		case got == "gzip":
			r, err = gzip.NewReader(resp.Body)
		case got == "zstd":
			var d *zstd.Decoder
			d, err = zstd.NewReader(resp.Body)
			r = d
		}
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := io.ReadAll(r); string(b) != body {
			t.Errorf("offered %q: the body decodes to %d bytes, want %d", c.offer, len(b), len(body))
		}
		resp.Body.Close()
	}
}
