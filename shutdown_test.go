package main

import (
	"bufio"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestGracefulShutdown: on SIGTERM (here: the context ends) a subscription
// stream is ended at once and run returns within the grace.
func TestGracefulShutdown(t *testing.T) {
	defer slog.SetDefault(slog.Default()) // run sets its own logger
	addr := freeTCPAddr(t)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--listen", addr, "--shutdown-grace", "3s", "--poll-interval", "50ms", "--log-level", "error"})
	}()
	waitTCP(t, addr)
	base := "http://" + addr

	// Find a running session and follow it over SSE.
	_, body := post(t, base+"/graphql", `{ jobSessions(first: 2, status: RUNNING) { nodes { id } } }`, nil, nil)
	i := strings.Index(body, `"id":"`)
	if i < 0 {
		t.Fatalf("no running session: %s", body)
	}
	id := body[i+6 : i+6+36]
	req, _ := http.NewRequest(http.MethodPost, base+"/graphql",
		strings.NewReader(`{"query":"subscription { jobSessionUpdated(id: \"`+id+`\") { progress } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	events := bufio.NewScanner(resp.Body)
	if !events.Scan() {
		t.Fatal("the stream did not start")
	}
	streamEnded := make(chan struct{})
	go func() {
		for events.Scan() {
		}
		close(streamEnded)
	}()

	began := time.Now()
	stop()
	select {
	case <-streamEnded:
	case <-time.After(3 * time.Second):
		t.Error("the subscription stream outlived the shutdown")
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("run did not return within the grace")
	}
	if d := time.Since(began); d > bound(3*time.Second) {
		t.Errorf("shutdown took %v", d)
	}
}
