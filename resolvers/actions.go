package resolvers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vb365-graphql/vb365-graphql/access"
	"github.com/vb365-graphql/vb365-graphql/graph"
	"github.com/vb365-graphql/vb365-graphql/graph/model"
	"github.com/vb365-graphql/vb365-graphql/upstream"
)

// Idempotency runs an action at most once per key within its window (on
// every replica, when shared), giving a repeat the first result; repeated
// says that the result is an earlier run's.
type Idempotency interface {
	Do(ctx context.Context, key string, act func() ([]byte, error)) (result []byte, repeated bool, err error)
}

// ActionObserver counts actions by mutation and outcome (metrics).
type ActionObserver interface {
	Action(mutation, outcome string)
}

// Outcomes of an action, in the audit log and the metrics.
const (
	outcomeDone      = "done"
	outcomeRepeated  = "repeated"  // a repeat: the first result, no upstream call
	outcomeForbidden = "forbidden" // the caller may not act
	outcomeRefused   = "refused"   // the upstream refused (running, disabled, ...)
	outcomeFailed    = "failed"
)

// action is what a mutation asks to be done to a job.
type action struct {
	job              upstream.JobRef
	server           *string // the server the client named (nil: the one that has the job)
	full             bool    // a start's active full backup
	clientMutationID *string
}

// act runs one action on a job (see perform). It returns the session a
// start began (nil: none, or not known) and the name of the server that
// holds the job.
func (r *Resolver) act(ctx context.Context, mutation string, a upstream.Action, in action) (*model.JobSession, string, error) {
	job, full := in.job, in.full
	done := performance{audit: "job action", subject: []any{"job", job.ID}, key: []string{job.ID, fmt.Sprint(full)}, clientMutationID: in.clientMutationID}
	done.locate = func() (*serverOp, error) { return locateJob(ctx, job, in.server) }
	done.run = func(so *serverOp) ([]byte, int, error) {
		acted, err := so.Act(ctx, job, a, full)
		if err != nil || acted.Session == nil {
			return nil, acted.Status, err
		}
		so.primeSession(ctx, (*model.JobSession)(acted.Session))
		return []byte(acted.Session.ID), acted.Status, nil
	}
	done.describe = func(result []byte) []any { return []any{"session", string(result)} }
	result, so, err := r.perform(ctx, mutation, done)
	if so == nil || err != nil || len(result) == 0 {
		return nil, serverName(so), err
	}
	s, err := so.Session(ctx, string(result))
	return s, so.name, err
}

// performance is one operator action: what the audit log calls it and what
// it acts on, what makes a repeat the same action, and how it is done.
type performance struct {
	audit            string      // the audit log's message: "job action"
	needs            access.Role // the role it takes (Viewer, the zero value: Operator)
	subject          []any       // what it acts on, for the audit log: "job", id
	key              []string
	clientMutationID *string
	locate           func() (*serverOp, error)            // the server to act on
	run              func(*serverOp) ([]byte, int, error) // the result, kept for repeats, and the upstream's status
	describe         func(result []byte) []any            // more for the audit log (nil: nothing)
}

// perform runs one operator action for the operation's caller: refused
// before any call for a viewer, sent once per idempotency key (a repeat
// gives the first result), written to the audit log and counted.
func (r *Resolver) perform(ctx context.Context, mutation string, p performance) (result []byte, so *serverOp, err error) {
	op := operation(ctx)
	caller := op.request.Caller
	start := time.Now()
	outcome, status := outcomeDone, 0
	defer func() {
		r.Actions.Action(mutation, outcome)
		if status == 0 {
			status = upstream.StatusOf(err)
		}
		attrs := append([]any{"mutation", mutation}, p.subject...)
		attrs = append(attrs, "who", caller.Name, "via", caller.Via, "role", caller.Role.String(),
			"outcome", outcome, "upstream_status", status, "duration", time.Since(start).Round(time.Millisecond))
		if len(result) > 0 && p.describe != nil {
			attrs = append(attrs, p.describe(result)...)
		}
		if so != nil && len(op.servers) > 1 {
			attrs = append(attrs, "server", so.name)
		}
		if err != nil {
			attrs = append(attrs, "err", err.Error())
		}
		r.Audit.InfoContext(ctx, p.audit, attrs...)
	}()
	needs := p.needs
	if needs == access.Viewer {
		needs = access.Operator
	}
	if !caller.Role.Has(needs) {
		outcome = outcomeForbidden
		return nil, nil, graph.Forbidden(fmt.Sprintf("%s needs the %s role; %s is a %s", mutation, needs, caller.Name, caller.Role))
	}
	if so, err = p.locate(); err != nil {
		outcome = outcomeFailed
		return nil, nil, err
	}
	run := func() ([]byte, error) {
		var out []byte
		out, status, err = p.run(so)
		return out, err
	}
	repeated := false
	if key := op.request.IdempotencyKey; key != "" || p.clientMutationID != nil {
		if key == "" {
			key = *p.clientMutationID
		}
		parts := append([]string{caller.ID, so.name, mutation}, p.key...)
		result, repeated, err = r.Idempotency.Do(ctx, onceKey(append(parts, key)...), run)
	} else {
		result, err = run()
	}
	var refusal *upstream.ActionError
	switch {
	case errors.As(err, &refusal):
		outcome = outcomeRefused
	case err != nil:
		outcome = outcomeFailed
	case repeated:
		outcome = outcomeRepeated
	}
	return result, so, err
}

func serverName(so *serverOp) string {
	if so == nil {
		return ""
	}
	return so.name
}

// locateJob finds the server of the job (or copy job) an action names:
// every server is asked (an action never goes to a server by a guess), or
// the one the client named.
func locateJob(ctx context.Context, job upstream.JobRef, server *string) (*serverOp, error) {
	if err := upstream.ValidateID(job.ID); err != nil {
		return nil, err
	}
	if len(operation(ctx).servers) == 1 {
		return named(ctx, server) // no need to look
	}
	if job.Copy {
		return holderOf(ctx, job.ID, server, (*serverOp).CopyJob)
	}
	return holderOf(ctx, job.ID, server, (*serverOp).Job)
}

// holderOf is the server that has what id names, for an action on it:
// every server is asked (an action never goes to a server by a guess), or
// the one the client named.
func holderOf[V interface{ ServedBy() string }](ctx context.Context, id string, server *string, get func(*serverOp, context.Context, string) (V, error)) (*serverOp, error) {
	v, err := lookUpAnywhere(ctx, id, server, true, get)
	if err != nil {
		return nil, err
	}
	return part(ctx, v.ServedBy()), nil
}

func (r *Resolver) jobAction(ctx context.Context, mutation string, a upstream.Action, input model.JobActionInput) (*model.JobActionPayload, error) {
	_, server, err := r.act(ctx, mutation, a, action{job: upstream.JobRef{ID: input.ID}, server: input.Server, clientMutationID: input.ClientMutationID})
	if err != nil {
		return nil, err
	}
	return &model.JobActionPayload{ClientMutationID: input.ClientMutationID, ServerName: server, JobID: input.ID}, nil
}

func (r *Resolver) copyJobAction(ctx context.Context, mutation string, a upstream.Action, input model.JobActionInput) (*model.CopyJobActionPayload, error) {
	_, server, err := r.act(ctx, mutation, a, action{job: upstream.JobRef{ID: input.ID, Copy: true}, server: input.Server, clientMutationID: input.ClientMutationID})
	if err != nil {
		return nil, err
	}
	return &model.CopyJobActionPayload{ClientMutationID: input.ClientMutationID, ServerName: server, CopyJobID: input.ID}, nil
}

// onceKey names one action by one caller with one idempotency key.
func onceKey(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:])
}
