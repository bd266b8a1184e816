package graphqlhttp

import (
	"context"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

var tracer = otel.Tracer("github.com/vb365-graphql/vb365-graphql/graphqlhttp")

// traceOperations makes a span of each operation, for as long as it answers
// (a subscription: until its last event).
func traceOperations(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	kind, name := "query", ""
	if oc.Operation != nil {
		kind, name = string(oc.Operation.Operation), oc.Operation.Name
	}
	ctx, span := tracer.Start(ctx, "graphql."+kind, trace.WithAttributes(
		attribute.String("graphql.operation.type", kind), attribute.String("graphql.operation.name", name)))
	handle := next(ctx)
	return func(ctx context.Context) *graphql.Response {
		resp := handle(ctx)
		if resp != nil && len(resp.Errors) > 0 {
			span.SetStatus(codes.Error, "the answer has errors")
		}
		if resp == nil || kind != "subscription" {
			span.End()
		}
		return resp
	}
}

// traceResolvers makes a span of each field that has a resolver: those are
// the ones that reach the upstream (or a loader that does).
func traceResolvers(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || !fc.IsResolver {
		return next(ctx)
	}
	ctx, span := tracer.Start(ctx, "resolve "+fc.Object+"."+fc.Field.Name)
	defer span.End()
	res, err := next(ctx)
	if err != nil {
		span.SetStatus(codes.Error, "resolver failed")
	}
	return res, err
}

// extractTrace continues the caller's trace (W3C traceparent) in the request's context.
func extractTrace(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := otel.GetTextMapPropagator().Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}
