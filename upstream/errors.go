package upstream

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Kind classifies a failure so that the GraphQL layer can give it a stable code.
type Kind int

// Failure kinds.
const (
	KindInternal        Kind = iota
	KindNotFound             // the upstream has no such resource
	KindUnauthenticated      // no credentials, or the upstream refused them
	KindForbidden            // the credentials may not see this
	KindBadInput             // the request itself is wrong (a malformed id, say)
	KindUnavailable          // the upstream could not be reached or answered 5xx/429
	KindTimeout              // the upstream did not answer in time
	KindBadResponse          // the upstream answered something we cannot read
	KindBusy                 // the gateway had no room for the answer in time (Budget)
	KindSessionExpired       // the restore session asked about has ended on the server
)

// Error is a failure of an upstream call. Message is safe to show a client:
// it never holds a URL, a token or the upstream's stack trace.
type Error struct {
	Kind    Kind
	Status  int    // the upstream's HTTP status, 0 when there was no answer
	Route   string // the route template, e.g. "GET /JobSessions/{id}" (for logs)
	Message string
	Err     error // the underlying cause, for logs only

	retryAfter time.Duration // what the upstream asked us to wait (429/503)
	cancelled  bool          // the caller gave up; says nothing of the upstream
}

func (e *Error) Error() string {
	if e.Route != "" {
		return fmt.Sprintf("%s: %s", e.Route, e.Message)
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// VersionError is asking a server for what its API version does not serve.
type VersionError struct {
	What    string // "copy jobs"
	Since   int    // the first version that serves it
	Version int    // the version this server speaks
}

func (e *VersionError) Error() string {
	return fmt.Sprintf("%s: needs API v%d or later; this server speaks v%d", e.What, e.Since, e.Version)
}

// StatusOf is the upstream's HTTP status in err (0 if none).
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// retryAfterOf is how long the upstream asked to wait, in err (0 if it did not).
func retryAfterOf(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.retryAfter
	}
	return 0
}

// KindOf returns the kind of err, treating context ends as timeouts.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return KindTimeout
	}
	return KindInternal
}
