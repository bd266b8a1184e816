package resolvers

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"strconv"

	"github.com/vb365-graphql/vb365-graphql/gateway"
)

// followSpec brings gqlgen's answers to a GraphQL request error (a query that
// does not parse or validate, variables that do not coerce) in line with the
// GraphQL-over-HTTP specification's SHOULDs: with application/json such an
// answer is 200, not gqlgen's 422, and with application/graphql-response+json
// it has no "data" entry. Streams (WebSocket, SSE) pass untouched.
func followSpec(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if gateway.IsStream(r) {
			next.ServeHTTP(w, r)
			return
		}
		sw := &specWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		sw.finish()
	})
}

// specWriter holds back the body of non-200 JSON answers (small error
// documents) so that finish can rewrite them; everything else streams.
type specWriter struct {
	http.ResponseWriter
	status int
	held   *bytes.Buffer
}

func (s *specWriter) WriteHeader(code int) {
	if s.status != 0 {
		return
	}
	s.status = code
	mt, _, _ := mime.ParseMediaType(s.Header().Get("Content-Type"))
	if code != http.StatusOK && (mt == "application/json" || mt == "application/graphql-response+json") {
		s.held = &bytes.Buffer{}
		return
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *specWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.WriteHeader(http.StatusOK)
	}
	if s.held != nil {
		return s.held.Write(b)
	}
	return s.ResponseWriter.Write(b)
}

func (s *specWriter) finish() {
	if s.held == nil {
		return
	}
	body, status := s.held.Bytes(), s.status
	mt, _, _ := mime.ParseMediaType(s.Header().Get("Content-Type"))
	var doc map[string]json.RawMessage
	if json.Unmarshal(body, &doc) == nil && doc["errors"] != nil {
		if mt == "application/json" && status == http.StatusUnprocessableEntity {
			status = http.StatusOK
		} else if string(doc["data"]) == "null" {
			delete(doc, "data")
			body, _ = json.Marshal(doc)
		}
	}
	s.Header().Set("Content-Length", strconv.Itoa(len(body)))
	s.ResponseWriter.WriteHeader(status)
	_, _ = s.ResponseWriter.Write(body)
}
