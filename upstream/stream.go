package upstream

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"time"
)

// Streamed answers: an export is a file of any size, which is never held
// in memory. The wait for its first byte and each wait between bytes are
// bounded (StreamWait, Timeout), not the whole transfer.

// stream POSTs payload to target and returns the answer's body, read as
// it arrives (the caller closes it). It
// is sent once (an export is work for the server); a refused service
// account token is renewed and the request sent again, as write does.
func (c *Client) stream(ctx context.Context, s *Scope, route, target string, payload []byte) (io.ReadCloser, error) {
	if err := s.refusal(); err != nil {
		return nil, err
	}
	if !c.breaker.allow() {
		return nil, &Error{Kind: KindUnavailable, Route: route, Message: "the upstream is failing; calls to it are paused for a few seconds"}
	}
	auth, err := c.authorization(ctx, s.credential, "")
	if err != nil {
		return nil, err
	}
	st, err := c.streamOnce(ctx, route, target, auth, payload)
	if StatusOf(err) == http.StatusUnauthorized && c.ServiceAccount() {
		if auth, err = c.authorization(ctx, "", auth); err != nil {
			return nil, err
		}
		st, err = c.streamOnce(ctx, route, target, auth, payload)
	}
	c.breaker.record(outcomeOf(err))
	s.noteRefusal(err)
	return st, err
}

func (c *Client) streamOnce(ctx context.Context, route, target, auth string, payload []byte) (io.ReadCloser, error) {
	ctx, cancel := context.WithCancel(ctx)
	// Until the first byte: StreamWait (the server builds the file first);
	// then each read: Timeout.
	quiet := time.AfterFunc(c.opts.StreamWait, cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(payload))
	if err != nil {
		cancel()
		return nil, &Error{Kind: KindInternal, Route: route, Message: "cannot build request", Err: err}
	}
	req.Header.Set("Accept", "application/octet-stream")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", auth)
	start := time.Now()
	resp, err := c.streamingHTTP().Do(req)
	if err != nil {
		quiet.Stop()
		cancel()
		c.opts.Observer.UpstreamCall(route, 0, time.Since(start))
		terr := transportError(route, err)
		c.heardFrom(terr)
		return nil, terr
	}
	c.opts.Observer.UpstreamCall(route, resp.StatusCode, time.Since(start))
	c.heard(auth, resp.StatusCode)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		said, _ := readCapped(resp.Body, errorBodyBytes)
		resp.Body.Close()
		quiet.Stop()
		cancel()
		e := statusError(route, resp.StatusCode, said)
		if resp.StatusCode >= http.StatusInternalServerError {
			c.heardFrom(e)
		} else {
			c.heardFrom(nil)
		}
		return nil, e
	}
	c.heardFrom(nil)
	quiet.Reset(c.opts.Timeout)
	return &watchedBody{body: resp.Body, quiet: quiet, wait: c.opts.Timeout, cancel: cancel, route: route}, nil
}

// watchedBody ends a transfer that goes quiet for longer than wait.
type watchedBody struct {
	body   io.ReadCloser
	quiet  *time.Timer
	wait   time.Duration
	cancel context.CancelFunc
	route  string
}

func (b *watchedBody) Read(p []byte) (int, error) {
	n, err := b.body.Read(p)
	b.quiet.Reset(b.wait)
	if err != nil && err != io.EOF {
		return n, transportError(b.route, err)
	}
	return n, err
}

func (b *watchedBody) Close() error {
	b.quiet.Stop()
	b.cancel()
	return b.body.Close()
}

// streamingHTTP is the HTTP client for streamed answers: the shared one's
// transport without its bound on the wait for an answer's headers, which
// an export may pass while the server builds the file (StreamWait bounds
// that wait instead).
func (c *Client) streamingHTTP() *http.Client {
	c.streamOnceInit.Do(func() {
		hc := *c.http
		if t, ok := hc.Transport.(*http.Transport); ok {
			t = t.Clone()
			t.ResponseHeaderTimeout = 0
			hc.Transport = t
		}
		c.streamHTTP = &hc
	})
	return c.streamHTTP
}
