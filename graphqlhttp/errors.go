package graphqlhttp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/vb365-graphql/vb365-graphql/graph"
	"github.com/vb365-graphql/vb365-graphql/resolvers"
	"github.com/vb365-graphql/vb365-graphql/upstream"
)

var codeOfKind = map[upstream.Kind]string{
	upstream.KindNotFound:        graph.CodeNotFound,
	upstream.KindUnauthenticated: graph.CodeUnauthenticated,
	upstream.KindForbidden:       graph.CodeForbidden,
	upstream.KindBadInput:        graph.CodeBadUserInput,
	upstream.KindUnavailable:     graph.CodeUpstreamUnavailable,
	upstream.KindTimeout:         graph.CodeUpstreamTimeout,
	upstream.KindBadResponse:     graph.CodeUpstreamBadResponse,
	upstream.KindBusy:            graph.CodeUpstreamBusy,
	upstream.KindSessionExpired:  graph.CodeSessionExpired,
}

var codeOfRefusal = map[upstream.Refusal]string{
	upstream.RefusedOther:      graph.CodeActionRefused,
	upstream.RefusedRunning:    graph.CodeJobRunning,
	upstream.RefusedDisabled:   graph.CodeJobDisabled,
	upstream.RefusedNotRunning: graph.CodeJobNotRunning,
}

// presenter is the one error presenter: it turns every error into a
// GraphQL error with a stable extensions.code, and logs what an operator
// should see.
type presenter struct{ log *slog.Logger }

// presentError turns any resolver error into a GraphQL error with a stable
// extensions.code. Upstream errors carry a message safe to show; anything
// else is logged and reaches the client only as "internal error".
func (p presenter) presentError(ctx context.Context, err error) *gqlerror.Error {
	var rep *resolvers.RepresentationError
	if errors.As(err, &rep) { // a federation gateway's representation: say which
		presented := *p.presentError(ctx, rep.Err)
		presented.Message = fmt.Sprintf("representation %d (%s %q): %s", rep.Index, rep.Typename, rep.ID, presented.Message)
		presented.Path = ast.Path{ast.PathName("_entities"), ast.PathIndex(rep.Index)}
		return &presented
	}
	var gqlErr *gqlerror.Error
	if errors.As(err, &gqlErr) && gqlErr.Extensions["code"] != nil {
		return gqlErr // ours (graph.BadInput, the limits) and gqlgen's parse and validation errors
	}
	if gqlErr != nil && gqlErr.Err == nil {
		// gqlgen's own word on the request (a body that is not JSON, say): it
		// describes what the client sent, so it is safe to show, cut short.
		if len(gqlErr.Message) > 300 {
			gqlErr.Message = gqlErr.Message[:300] + "…"
		}
		gqlErr.Extensions = map[string]any{"code": graph.CodeBadRequest}
		return gqlErr
	}
	presented := graphql.DefaultErrorPresenter(ctx, err)
	code, message := p.codeOf(ctx, err, presented.Path.String())
	presented.Message = message
	if presented.Extensions == nil {
		presented.Extensions = map[string]any{}
	}
	presented.Extensions["code"] = code
	var se *resolvers.ServerError
	if errors.As(err, &se) { // one of several servers failed: say which
		presented.Message = se.Server + ": " + message
		presented.Extensions["server"] = se.Server
	}
	return presented
}

// codeOf classifies an error and logs what an operator should see: an
// upstream that failed, or a bug. A caller who gave up is nobody's fault.
func (p presenter) codeOf(ctx context.Context, err error, path string) (code, message string) {
	var ue *upstream.Error
	var ve *upstream.VersionError
	var ae *upstream.ActionError
	switch {
	case errors.As(err, &ae):
		return codeOfRefusal[ae.Refusal], ae.Error()
	case errors.Is(err, upstream.ErrInvalidID):
		return graph.CodeBadUserInput, upstream.ErrInvalidID.Error()
	case errors.As(err, &ve):
		return graph.CodeNotSupported, ve.Error()
	case errors.Is(err, context.Canceled):
		return graph.CodeUpstreamTimeout, "the request was cancelled"
	case errors.As(err, &ue):
		code = codeOfKind[ue.Kind]
		if code == "" {
			break
		}
		failed := ue.Kind == upstream.KindUnavailable || ue.Kind == upstream.KindTimeout || ue.Kind == upstream.KindBadResponse || ue.Kind == upstream.KindBusy
		if failed || ue.Kind == upstream.KindBadInput {
			p.log.WarnContext(ctx, "upstream error", "code", code, "route", ue.Route, "status", ue.Status, "err", fmt.Sprint(ue.Err))
		}
		return code, ue.Message
	case errors.Is(err, context.DeadlineExceeded):
		return graph.CodeUpstreamTimeout, "the request took longer than allowed"
	}
	p.log.ErrorContext(ctx, "internal error", "err", err, "path", path)
	return graph.CodeInternal, "internal error"
}

// presentPanic keeps a panicking resolver from taking the request down: the
// client gets INTERNAL, the log gets the panic.
func (p presenter) presentPanic(ctx context.Context, panicked any) error {
	p.log.ErrorContext(ctx, "resolver panic", "panic", fmt.Sprint(panicked))
	return &gqlerror.Error{Message: "internal error", Extensions: map[string]any{"code": graph.CodeInternal}}
}
