package graphqlhttp

import (
	"math/rand/v2"
	"net/http"
	"regexp"
	"strconv"

	"github.com/vb365-graphql/vb365-graphql/logging"
)

var goodRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// requestID gives every request an id: the caller's X-Request-Id when it is
// a plain token, a new random one otherwise. It is sent back in the answer
// and put on every log line written for the request.
func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !goodRequestID.MatchString(id) {
			// An id tells requests apart in logs; it needs no cryptographic strength.
			id = strconv.FormatUint(rand.Uint64(), 36)
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(logging.WithRequestID(r.Context(), id)))
	})
}
