package upstream

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// DetectVersion finds the newest API version a server serves, by asking
// each version's /Jobs without credentials, newest first: a version the
// server routes answers 401 (or 200), one it does not 404. It needs no
// credentials and changes nothing.
func DetectVersion(ctx context.Context, baseURL string, client *http.Client) (int, error) {
	base, err := parseOrigin(baseURL)
	if err != nil {
		return 0, err
	}
	if client == nil {
		client = &http.Client{Transport: NewTransport()}
	}
	copied := *client // a redirect could lead off the origin: none is followed
	copied.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	client = &copied
	var lastErr error
	for v := MaxVersion; v >= MinVersion; v-- {
		u := *base
		u.Path = fmt.Sprintf("/v%d/Jobs", v)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return 0, err
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, fmt.Errorf("asking for v%d: %w", v, err)
		}
		resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusOK:
			return v, nil
		case resp.StatusCode == http.StatusNotFound:
			continue
		default:
			lastErr = fmt.Errorf("v%d answered HTTP %d", v, resp.StatusCode)
		}
	}
	if lastErr == nil {
		lastErr = fmt.Errorf("no API version v%d..v%d is served there", MinVersion, MaxVersion)
	}
	return 0, lastErr
}

// RedetectLater runs Redetect in the background until the client is
// closed: for a client started on a guess, because the server could not be
// asked for its version at start.
func (c *Client) RedetectLater(wait time.Duration) { go c.Redetect(c.life, wait) }

// Redetect asks the server for its API version again after wait, and
// then ever later (doubling, from a second up to a minute) until it answers
// or ctx ends; the client then speaks that version. It is for a client
// started on a guess because the server could not be asked at start, and
// for a server back after being down.
func (c *Client) Redetect(ctx context.Context, wait time.Duration) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		askCtx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
		v, err := DetectVersion(askCtx, c.base.String(), c.http)
		cancel()
		if err == nil {
			if old := c.Version(); v != old {
				c.version.Store(int32(v))
				c.log.Info("found the upstream's API version", "server", c.Name(), "api_version", fmt.Sprintf("v%d", v), "was", fmt.Sprintf("v%d", old))
			}
			return
		}
		wait = min(max(2*wait, time.Second), time.Minute)
	}
}
