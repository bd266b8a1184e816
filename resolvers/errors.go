package resolvers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/vb365-graphql/vb365-graphql/upstream"
)

// Error codes in extensions.code. Clients may rely on them; the README lists them.
const (
	CodeNotFound            = "NOT_FOUND"
	CodeUnauthenticated     = "UNAUTHENTICATED"
	CodeForbidden           = "FORBIDDEN"
	CodeBadUserInput        = "BAD_USER_INPUT"
	CodeUpstreamUnavailable = "UPSTREAM_UNAVAILABLE"
	CodeUpstreamTimeout     = "UPSTREAM_TIMEOUT"
	CodeUpstreamBadResponse = "UPSTREAM_BAD_RESPONSE"
	CodeInternal            = "INTERNAL"
	CodeValidationFailed    = "GRAPHQL_VALIDATION_FAILED"
	CodeBadRequest          = "BAD_REQUEST"
)

var codeOfKind = map[upstream.Kind]string{
	upstream.KindNotFound:        CodeNotFound,
	upstream.KindUnauthenticated: CodeUnauthenticated,
	upstream.KindForbidden:       CodeForbidden,
	upstream.KindBadInput:        CodeBadUserInput,
	upstream.KindUnavailable:     CodeUpstreamUnavailable,
	upstream.KindTimeout:         CodeUpstreamTimeout,
	upstream.KindBadResponse:     CodeUpstreamBadResponse,
}

func badInput(msg string) error {
	return &upstream.Error{Kind: upstream.KindBadInput, Message: msg}
}

// PresentError turns any resolver error into a GraphQL error with a stable
// extensions.code. Upstream errors carry a message safe to show; anything
// else is logged and reaches the client only as "internal error".
func PresentError(ctx context.Context, err error) *gqlerror.Error {
	var gqlErr *gqlerror.Error
	if errors.As(err, &gqlErr) && gqlErr.Extensions["code"] != nil {
		return gqlErr // parse and validation errors already carry their code
	}
	if gqlErr != nil && gqlErr.Err == nil {
		// gqlgen's own word on the request (a body that is not JSON, say): it
		// describes what the client sent, so it is safe to show.
		if len(gqlErr.Message) > 300 {
			gqlErr.Message = gqlErr.Message[:300] + "…"
		}
		gqlErr.Extensions = map[string]any{"code": CodeBadRequest}
		return gqlErr
	}
	if gqlErr != nil && gqlErr.Err != nil && gqlErr.Err.Error() == "introspection disabled" { // gqlgen's own refusal
		presented := graphql.DefaultErrorPresenter(ctx, err)
		presented.Message = "introspection is turned off on this server"
		presented.Extensions = map[string]any{"code": CodeValidationFailed}
		return presented
	}
	presented := graphql.DefaultErrorPresenter(ctx, err)
	var ue *upstream.Error
	kind := upstream.KindOf(err)
	code, known := codeOfKind[kind]
	switch {
	case known && errors.As(err, &ue):
		presented.Message = ue.Message
	case known:
		presented.Message = "the upstream did not answer in time"
	default:
		code = CodeInternal
		slog.ErrorContext(ctx, "internal error", "err", err, "path", presented.Path.String())
		presented.Message = "internal error"
	}
	if presented.Extensions == nil {
		presented.Extensions = map[string]any{}
	}
	presented.Extensions["code"] = code
	upstreamFailed := kind == upstream.KindUnavailable || kind == upstream.KindTimeout || kind == upstream.KindBadResponse
	if ue != nil && (upstreamFailed || kind == upstream.KindBadInput && ue.Status != 0) {
		slog.WarnContext(ctx, "upstream error", "code", code, "route", ue.Route, "status", ue.Status, "err", fmt.Sprint(ue.Err))
	}
	return presented
}

// PresentPanic keeps a panicking resolver from taking the request down: the
// client gets INTERNAL, the log gets the panic.
func PresentPanic(ctx context.Context, p any) error {
	slog.ErrorContext(ctx, "resolver panic", "panic", fmt.Sprint(p))
	return &gqlerror.Error{Message: "internal error", Extensions: map[string]any{"code": CodeInternal}}
}
