package resolvers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

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

// act runs one action for the operation's caller: refused before any call
// for a viewer, sent once per idempotency key, written to the audit log and
// counted. It returns the session a start began (nil: none, or not known)
// and the name of the server that holds the job.
func (r *Resolver) act(ctx context.Context, mutation string, a upstream.Action, in action) (*model.JobSession, string, error) {
	job, full, clientMutationID := in.job, in.full, in.clientMutationID
	op := operation(ctx)
	caller := op.request.Caller
	start := time.Now()
	outcome, sessionID, status, server := outcomeDone, "", 0, ""
	var err error
	defer func() {
		r.Actions.Action(mutation, outcome)
		if status == 0 {
			status = upstream.StatusOf(err)
		}
		attrs := []any{"mutation", mutation, "job", job.ID, "who", caller.Name, "via", caller.Via, "role", caller.Role.String(),
			"outcome", outcome, "upstream_status", status, "duration", time.Since(start).Round(time.Millisecond)}
		if sessionID != "" {
			attrs = append(attrs, "session", sessionID)
		}
		if server != "" && len(op.servers) > 1 {
			attrs = append(attrs, "server", server)
		}
		if err != nil {
			attrs = append(attrs, "err", err.Error())
		}
		r.Audit.InfoContext(ctx, "job action", attrs...)
	}()
	if !caller.MayAct() {
		outcome = outcomeForbidden
		err = graph.Forbidden(fmt.Sprintf("%s needs the operator role; %s is a %s", mutation, caller.Name, caller.Role))
		return nil, "", err
	}
	so, err := locateJob(ctx, job, in.server)
	if err != nil {
		outcome = outcomeFailed
		return nil, "", err
	}
	server = so.name
	run := func() ([]byte, error) {
		acted, err := so.Act(ctx, job, a, full)
		status = acted.Status
		if err != nil || acted.Session == nil {
			return nil, err
		}
		so.primeSession(ctx, (*model.JobSession)(acted.Session))
		return []byte(acted.Session.ID), nil
	}
	var result []byte
	repeated := false
	if key := op.request.IdempotencyKey; key != "" || clientMutationID != nil {
		if key == "" {
			key = *clientMutationID
		}
		result, repeated, err = r.Idempotency.Do(ctx, onceKey(caller.ID, so.name, mutation, job.ID, fmt.Sprint(full), key), run)
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
	if err != nil || len(result) == 0 {
		return nil, so.name, err
	}
	sessionID = string(result)
	s, err := so.Session(ctx, sessionID)
	return s, so.name, err
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
		c, err := lookUpAnywhere(ctx, job.ID, server, true, (*serverOp).CopyJob)
		if err != nil {
			return nil, err
		}
		return part(ctx, c.ServerName), nil
	}
	j, err := lookUpAnywhere(ctx, job.ID, server, true, (*serverOp).Job)
	if err != nil {
		return nil, err
	}
	return part(ctx, j.ServerName), nil
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
