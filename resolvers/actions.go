package resolvers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
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

// act runs one action for the operation's caller: refused before any call
// for a viewer, sent once per idempotency key, written to the audit log and
// counted. It returns the session a start began (nil: none, or not known).
func (r *Resolver) act(ctx context.Context, mutation string, job upstream.JobRef, a upstream.Action, full bool, clientMutationID *string) (*upstream.JobSession, error) {
	op := operation(ctx)
	caller := op.request.Caller
	start := time.Now()
	outcome, sessionID, status := outcomeDone, "", 0
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
		if err != nil {
			attrs = append(attrs, "err", err.Error())
		}
		slog.InfoContext(ctx, "job action", attrs...)
	}()
	if !caller.MayAct() {
		outcome = outcomeForbidden
		err = graph.Forbidden(fmt.Sprintf("%s needs the operator role; %s is a %s", mutation, caller.Name, caller.Role))
		return nil, err
	}
	if err = upstream.ValidateID(job.ID); err != nil {
		outcome = outcomeFailed
		return nil, err
	}
	run := func() ([]byte, error) {
		acted, err := r.API.Act(ctx, op.scope, job, a, full)
		status = acted.Status
		if err != nil || acted.Session == nil {
			return nil, err
		}
		op.primeSession(ctx, acted.Session)
		return []byte(acted.Session.ID), nil
	}
	var result []byte
	repeated := false
	if key := op.request.IdempotencyKey; key != "" || clientMutationID != nil {
		if key == "" {
			key = *clientMutationID
		}
		result, repeated, err = r.Idempotency.Do(ctx, onceKey(caller.Via, caller.Name, mutation, job.ID, fmt.Sprint(full), key), run)
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
		return nil, err
	}
	sessionID = string(result)
	s, err := op.Session(ctx, sessionID)
	return s, err
}

func (r *Resolver) jobAction(ctx context.Context, mutation string, a upstream.Action, input model.JobActionInput) (*model.JobActionPayload, error) {
	if _, err := r.act(ctx, mutation, upstream.JobRef{ID: input.ID}, a, false, input.ClientMutationID); err != nil {
		return nil, err
	}
	return &model.JobActionPayload{ClientMutationID: input.ClientMutationID, JobID: input.ID}, nil
}

func (r *Resolver) copyJobAction(ctx context.Context, mutation string, a upstream.Action, input model.JobActionInput) (*model.CopyJobActionPayload, error) {
	if _, err := r.act(ctx, mutation, upstream.JobRef{ID: input.ID, Copy: true}, a, false, input.ClientMutationID); err != nil {
		return nil, err
	}
	return &model.CopyJobActionPayload{ClientMutationID: input.ClientMutationID, CopyJobID: input.ID}, nil
}

// onceKey names one action by one caller with one idempotency key.
func onceKey(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:])
}
