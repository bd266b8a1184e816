package graph

import "github.com/vektah/gqlparser/v2/gqlerror"

// Error codes in extensions.code: part of the contract, clients rely on
// them (the README lists them). They are defined here and nowhere else.
const (
	CodeNotFound            = "NOT_FOUND"
	CodeUnauthenticated     = "UNAUTHENTICATED"
	CodeForbidden           = "FORBIDDEN"
	CodeBadUserInput        = "BAD_USER_INPUT"
	CodeUpstreamUnavailable = "UPSTREAM_UNAVAILABLE"
	CodeUpstreamTimeout     = "UPSTREAM_TIMEOUT"
	CodeUpstreamBadResponse = "UPSTREAM_BAD_RESPONSE"
	CodeUpstreamBusy        = "UPSTREAM_BUSY" // the gateway had no room for a large upstream answer in time
	CodeInternal            = "INTERNAL"
	CodeParseFailed         = "GRAPHQL_PARSE_FAILED"
	CodeValidationFailed    = "GRAPHQL_VALIDATION_FAILED"
	CodeLimitExceeded       = "COMPLEXITY_LIMIT_EXCEEDED" // gqlgen's own code for a too complex operation; the other limits share it
	CodeBadRequest          = "BAD_REQUEST"
	CodeNotSupported        = "NOT_SUPPORTED_BY_VERSION" // the server's API version does not serve it
	CodeRequestTooLarge     = "REQUEST_TOO_LARGE"
	CodeJobRunning          = "JOB_ALREADY_RUNNING"     // a start refused: the job runs already
	CodeJobDisabled         = "JOB_DISABLED"            // a start refused: the job is disabled
	CodeJobNotRunning       = "JOB_NOT_RUNNING"         // a stop refused: the job does not run
	CodeActionRefused       = "ACTION_REFUSED"          // the upstream refused an action for another reason
	CodeAmbiguousID         = "AMBIGUOUS_ID"            // more than one server has the id: the client must name one
	CodeSessionExpired      = "RESTORE_SESSION_EXPIRED" // the restore session has ended on the server: open a new one
)

// BadInput is the client's mistake in what it asked: a message that says
// what is wrong, and BAD_USER_INPUT.
func BadInput(message string) error {
	return &gqlerror.Error{Message: message, Extensions: map[string]any{"code": CodeBadUserInput}}
}

// Forbidden is a request the caller may not make: FORBIDDEN.
func Forbidden(message string) error {
	return &gqlerror.Error{Message: message, Extensions: map[string]any{"code": CodeForbidden}}
}

// Ambiguous is an id that more than one server has: AMBIGUOUS_ID, with the
// servers in extensions.servers, so that the client can name one.
func Ambiguous(message string, servers []string) error {
	return &gqlerror.Error{Message: message, Extensions: map[string]any{"code": CodeAmbiguousID, "servers": servers}}
}
