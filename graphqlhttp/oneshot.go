package graphqlhttp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/vb365-graphql/vb365-graphql/graph"
	"github.com/vb365-graphql/vb365-graphql/resolvers"
)

// The one-shot transport: a query or mutation over POST (application/json)
// or GET (?query=), answered whole, by the GraphQL-over-HTTP specification:
// application/graphql-response+json when the client accepts it (a request
// error is then a 400 without "data"), application/json otherwise (200).

const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// isOneShot reports whether the one-shot transport takes r.
func isOneShot(r *http.Request) bool {
	return r.Method == http.MethodGet || r.Method == http.MethodPost && isMediaType(r.Header.Get("Content-Type"), mediaJSON)
}

// isMediaType reports whether a Content-Type names want, whatever its
// parameters (mime.ParseMediaType would allocate a map on every request).
func isMediaType(contentType, want string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	return strings.EqualFold(strings.TrimSpace(mt), want)
}

// answer is one operation's whole answer, and what the operation cache
// needs to know of it.
type answer struct {
	status      int
	contentType string
	body        []byte
	kind, name  string        // the operation's type and name, for metrics
	sharedFor   time.Duration // how long identical operations may be given it (0: not at all)
}

func (a *answer) writeTo(w http.ResponseWriter) {
	w.Header().Set("Content-Type", a.contentType)
	w.WriteHeader(a.status)
	_, _ = w.Write(a.body)
}

// execute runs the operation of a one-shot request (its parameters, or
// why they are not a request): it makes the
// operation's upstream scope and loaders, and gives back the answer with how
// long it may be shared (the shortest time left of the upstream answers it
// used).
func (h *Handler) execute(ctx context.Context, r *http.Request, params *graphql.RawParams, badRequest *gqlerror.Error, req resolvers.Request) *answer {
	ctx, cancel := context.WithTimeout(ctx, h.opts.RequestTimeout)
	defer cancel()
	ans := &answer{status: http.StatusOK, contentType: responseType(r)}
	if badRequest != nil {
		ans.status = http.StatusBadRequest
		ans.body = marshalErrors(gqlerror.List{badRequest})
		return ans
	}
	op := h.newOperation(r.Header.Get("Authorization"), req)
	ctx = resolvers.WithOperation(graphql.StartOperationTrace(ctx), op)
	opCtx, errs := h.exec.CreateOperationContext(ctx, params)
	if errs != nil {
		resp := h.exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), errs)
		if ans.contentType == mediaGraphQLResponse && errcode.GetErrorKind(errs) == errcode.KindProtocol {
			ans.status = http.StatusBadRequest // a request error: no data at all
			ans.body = marshalErrors(resp.Errors)
			return ans
		}
		ans.body = marshalResponse(resp)
		return ans
	}
	ans.kind, ans.name = string(opCtx.Operation.Operation), opCtx.Operation.Name
	if r.Method == http.MethodGet && opCtx.Operation.Operation != ast.Query {
		ans.status = http.StatusMethodNotAllowed
		message := "a mutation may not be sent with GET: send it with POST"
		if opCtx.Operation.Operation == ast.Subscription {
			message = "a subscription needs a stream: GET or POST with Accept: text/event-stream (an EventSource), or a WebSocket (graphql-ws)"
		}
		ans.body = marshalErrors(gqlerror.List{requestError(message)})
		return ans
	}
	responses, ctx := h.exec.DispatchOperation(ctx, opCtx)
	resp := responses(ctx)
	ans.body = marshalResponse(resp)
	if ttl, ok := op.SharedFor(); ok && len(resp.Errors) == 0 && opCtx.Operation.Operation == ast.Query {
		ans.sharedFor = ttl
	}
	return ans
}

// decodeParams reads a GraphQL request from a POST body or a GET query string.
func decodeParams(r *http.Request, body []byte) (*graphql.RawParams, *gqlerror.Error) {
	params := &graphql.RawParams{Headers: r.Header}
	params.ReadTime.Start = graphql.Now()
	defer func() { params.ReadTime.End = graphql.Now() }()
	if r.Method == http.MethodPost {
		if err := decodeJSON(body, params); err != nil {
			return nil, requestError("the body is not a GraphQL request in JSON: " + describeJSONError(err))
		}
		return params, hasNoQuery(params)
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, requestError("the query string does not parse")
	}
	params.Query, params.OperationName = q.Get("query"), q.Get("operationName")
	if v := q.Get("variables"); v != "" {
		if err := decodeJSON([]byte(v), &params.Variables); err != nil {
			return nil, requestError("variables is not a JSON object")
		}
	}
	if e := q.Get("extensions"); e != "" {
		if err := decodeJSON([]byte(e), &params.Extensions); err != nil {
			return nil, requestError("extensions is not a JSON object")
		}
	}
	return params, hasNoQuery(params)
}

// hasNoQuery refuses a request that has neither a query nor a persisted
// query's hash: not a GraphQL request at all, so a 400 whatever the media
// type (the GraphQL-over-HTTP specification allows it for application/json).
func hasNoQuery(params *graphql.RawParams) *gqlerror.Error {
	if params.Query != "" || params.Extensions["persistedQuery"] != nil {
		return nil
	}
	return requestError(`the request has no query: send {"query": "...", "variables": {...}} (or ?query= with GET)`)
}

// describeJSONError says what is wrong with a request's JSON in the terms of
// the request (a field and the JSON type it needs), not of the Go types it
// is decoded into.
func describeJSONError(err error) string {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr) && typeErr.Field != "":
		want := map[string]string{"query": "a string", "operationName": "a string", "variables": "an object", "extensions": "an object"}[typeErr.Field]
		if want == "" {
			want = "another type"
		}
		return fmt.Sprintf("%s must be %s, not %s", typeErr.Field, want, typeErr.Value)
	case errors.As(err, &typeErr):
		return "it must be a JSON object, not " + typeErr.Value
	case errors.As(err, &syntaxErr):
		return fmt.Sprintf("it does not parse at byte %d", syntaxErr.Offset)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "it is empty or cut short"
	}
	return "it does not parse"
}

// decodeJSON decodes as gqlgen's transports do: numbers kept exact.
func decodeJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(v)
}

func requestError(message string) *gqlerror.Error {
	if len(message) > 300 {
		message = message[:300] + "…"
	}
	return &gqlerror.Error{Message: message, Extensions: map[string]any{"code": graph.CodeBadRequest}}
}

// responseType picks the media type of the answer from Accept: the
// GraphQL-over-HTTP one when the client names it (or names nothing we
// serve), application/json when it asks for that or for anything.
func responseType(r *http.Request) string {
	accept := r.Header.Get("Accept")
	if accept == "" {
		return mediaJSON
	}
	for _, part := range strings.Split(accept, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case mediaGraphQLResponse:
			return mediaGraphQLResponse
		case mediaJSON, "*/*", "application/*":
			return mediaJSON
		}
	}
	return mediaGraphQLResponse
}

func marshalResponse(resp *graphql.Response) []byte {
	b, err := json.Marshal(resp)
	if err != nil {
		return marshalErrors(gqlerror.List{{Message: "internal error", Extensions: map[string]any{"code": graph.CodeInternal}}})
	}
	return b
}

// marshalErrors is an answer of errors only, without "data".
func marshalErrors(errs gqlerror.List) []byte {
	b, _ := json.Marshal(struct {
		Errors gqlerror.List `json:"errors"`
	}{errs})
	return b
}
