// Package logging makes the gateway's logger: JSON or text, with every line
// written while serving a request carrying that request's id (RequestIDs),
// and nothing a secret: sensitive attributes redacted, configured secrets
// scrubbed from every value, every string cut at 1 KiB.
package logging

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

const redacted = "[REDACTED]"

// sensitiveKeys are attribute names whose values are never logged.
var sensitiveKeys = []string{"password", "passwd", "secret", "token", "authorization", "api_key", "apikey", "cookie"}

// maxValue bounds every string a log line holds (the message included):
// what a client sent can be logged, by gqlgen among others, and must not
// become a 300 KB line.
const maxValue = 1024

// New returns a JSON or text logger that redacts attributes with a
// sensitive name, and any occurrence of the given secrets (the configured
// password, API keys) in any value, errors included, and cuts every string
// at 1 KiB. A record logged with a request's context carries its request_id.
func New(w io.Writer, format string, level slog.Level, secrets []string) *slog.Logger {
	var known []string
	for _, s := range secrets {
		if len(s) >= 4 { // shorter strings would redact ordinary words
			known = append(known, s)
		}
	}
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		lower := strings.ToLower(a.Key)
		for _, k := range sensitiveKeys {
			if strings.Contains(lower, k) {
				return slog.String(a.Key, redacted)
			}
		}
		switch a.Value.Kind() {
		case slog.KindString, slog.KindAny:
			s := a.Value.String()
			if v, ok := a.Value.Any().(error); ok {
				s = fmt.Sprint(v)
			}
			if scrubbed := bounded(scrub(s, known)); scrubbed != s || a.Value.Kind() == slog.KindAny {
				return slog.String(a.Key, scrubbed)
			}
		}
		return a
	}}
	if format == "json" {
		return slog.New(withRequestID{slog.NewJSONHandler(w, opts)})
	}
	return slog.New(withRequestID{slog.NewTextHandler(w, opts)})
}

func bounded(s string) string {
	if len(s) <= maxValue {
		return s
	}
	return fmt.Sprintf("%s…[%d more bytes]", strings.ToValidUTF8(s[:maxValue], ""), len(s)-maxValue)
}

func scrub(s string, secrets []string) string {
	for _, secret := range secrets {
		s = strings.ReplaceAll(s, secret, redacted)
	}
	return s
}

var goodRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// RequestIDs gives every request an id: the caller's X-Request-Id when it is
// a plain token, a new random one otherwise. It is sent back in the answer
// and put on every line logged while serving the request.
func RequestIDs(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !goodRequestID.MatchString(id) {
			// An id tells requests apart in logs; it needs no cryptographic strength.
			id = strconv.FormatUint(rand.Uint64(), 36)
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(WithRequestID(r.Context(), id)))
	})
}

type requestIDKey struct{}

// WithRequestID marks ctx as serving the request id: every line logged with
// ctx carries it. (A slog handler learns of the request only from the
// context it is given.)
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request id in ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// withRequestID adds request_id to every record logged with a request's context.
type withRequestID struct{ slog.Handler }

func (h withRequestID) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h withRequestID) WithAttrs(as []slog.Attr) slog.Handler {
	return withRequestID{h.Handler.WithAttrs(as)}
}

func (h withRequestID) WithGroup(name string) slog.Handler {
	return withRequestID{h.Handler.WithGroup(name)}
}
