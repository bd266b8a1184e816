package upstream

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// The upstream's /token endpoint is throttled (about 1/s and 5/min per
// client from v6), so the service account logs in once, renews with the
// refresh token before expiry, shares one renewal between concurrent
// callers, and after any failed login waits before it tries again.

const tokenRoute = "POST /Token"

type token struct {
	access    string
	refresh   string
	refreshAt time.Time // renew from here on, ahead of expiry
}

func (t *token) header() string { return "Bearer " + t.access }

// authorization returns the Authorization header for an upstream call.
// In pass-through mode that is the caller's own, credential. rejected is a
// header the upstream just refused ("" if none): it is never handed out again.
func (c *Client) authorization(ctx context.Context, credential, rejected string) (string, error) {
	if !c.ServiceAccount() {
		if credential == "" {
			return "", &Error{Kind: KindUnauthenticated, Message: "no credentials: send an Authorization header for the VB365 server"}
		}
		return credential, nil
	}
	if tok := c.usableToken(rejected); tok != nil {
		return tok.header(), nil
	}
	ch := c.login.DoChan("token", func() (any, error) { return c.renew(ctx, rejected) })
	select {
	case r := <-ch:
		if r.Err != nil {
			return "", r.Err
		}
		return r.Val.(*token).header(), nil
	case <-ctx.Done():
		return "", transportError(tokenRoute, ctx.Err())
	}
}

func (c *Client) usableToken(rejected string) *token {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t := c.tok; t != nil && t.header() != rejected && c.opts.Now().Before(t.refreshAt) {
		return t
	}
	return nil
}

// renew gets a new token: with the refresh token if there is one, else (or
// if that fails) with the password. It runs once for all waiting callers,
// and outlives the request that started it.
func (c *Client) renew(ctx context.Context, rejected string) (*token, error) {
	if tok := c.usableToken(rejected); tok != nil {
		return tok, nil // renewed while we waited
	}
	c.mu.Lock()
	cur, gate, lastErr := c.tok, c.loginGate, c.loginErr
	c.mu.Unlock()
	if c.opts.Now().Before(gate) {
		return nil, lastErr // the last attempt's answer holds until we may try again
	}
	// The login serves every waiting caller: it keeps the first one's deadline
	// (a throttled attempt waits for Retry-After if that fits) but not its
	// cancellation.
	lctx, cancel := detach(ctx, 2*c.opts.Timeout)
	defer cancel()
	// Replicas share one token through the shared store: take theirs if it
	// is good, else log in under a lock while the others wait for the result.
	if tok := c.sharedToken(lctx, rejected); tok != nil {
		return c.keep(tok), nil
	}
	if c.opts.Shared != nil {
		unlock, ok := c.opts.Shared.Lock(lctx, c.tokenKey(), 30*time.Second)
		for waited := 0; !ok && waited < 50; waited++ {
			if !sleepWithin(lctx, 100*time.Millisecond) {
				break
			}
			if tok := c.sharedToken(lctx, rejected); tok != nil {
				return c.keep(tok), nil
			}
			unlock, ok = c.opts.Shared.Lock(lctx, c.tokenKey(), 30*time.Second)
		}
		defer unlock()
		if tok := c.sharedToken(lctx, rejected); tok != nil {
			return c.keep(tok), nil
		}
	}
	var nt *token
	var err error
	if cur != nil && cur.refresh != "" {
		nt, err = c.requestToken(lctx, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {cur.refresh}})
	}
	if nt == nil && !throttled(err) {
		nt, err = c.passwordLogin(lctx)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		c.loginFails++
		wait := min(time.Second<<min(c.loginFails-1, 6), time.Minute)
		if after := retryAfterOf(err); after > wait {
			wait = after
		}
		c.loginGate, c.loginErr = c.opts.Now().Add(wait), err
		return nil, err
	}
	c.tok, c.loginFails, c.loginGate, c.loginErr = nt, 0, time.Time{}, nil
	c.shareToken(lctx, nt)
	return nt, nil
}

// keep makes tok the client's token.
func (c *Client) keep(tok *token) *token {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tok, c.loginFails, c.loginGate, c.loginErr = tok, 0, time.Time{}, nil
	return tok
}

// tokenKey names the service account's token in the shared store.
func (c *Client) tokenKey() string {
	sum := sha256.Sum256([]byte(c.base.String() + "\x00" + c.opts.Username))
	return "token:" + hex.EncodeToString(sum[:16])
}

type sharedTokenJSON struct {
	Access    string    `json:"access"`
	Refresh   string    `json:"refresh"`
	RefreshAt time.Time `json:"refreshAt"`
}

// sharedToken returns the token another replica stored, if it is not due
// for renewal and is not the one the upstream just refused.
func (c *Client) sharedToken(ctx context.Context, rejected string) *token {
	if c.opts.Shared == nil {
		return nil
	}
	b, ok := c.opts.Shared.Get(ctx, c.tokenKey())
	if !ok {
		return nil
	}
	var st sharedTokenJSON
	if json.Unmarshal(b, &st) != nil || st.Access == "" {
		return nil
	}
	tok := &token{access: st.Access, refresh: st.Refresh, refreshAt: st.RefreshAt}
	if tok.header() == rejected || !c.opts.Now().Before(tok.refreshAt) {
		return nil
	}
	return tok
}

func (c *Client) shareToken(ctx context.Context, tok *token) {
	if c.opts.Shared == nil {
		return
	}
	b, _ := json.Marshal(sharedTokenJSON{Access: tok.access, Refresh: tok.refresh, RefreshAt: tok.refreshAt})
	c.opts.Shared.Set(ctx, c.tokenKey(), b, tok.refreshAt.Sub(c.opts.Now()))
}

func throttled(err error) bool { return StatusOf(err) == http.StatusTooManyRequests }

// passwordLogin logs in with the password; a throttled attempt is retried
// after the Retry-After the server gives (1s if none), up to three times, as
// long as the login's deadline allows.
func (c *Client) passwordLogin(ctx context.Context) (*token, error) {
	form := url.Values{"grant_type": {"password"}, "username": {c.opts.Username}, "password": {c.opts.Password}}
	for attempt := 0; ; attempt++ {
		tok, err := c.requestToken(ctx, form)
		if !throttled(err) || attempt == 2 {
			return tok, err
		}
		wait := retryAfterOf(err)
		if wait <= 0 {
			wait = time.Second
		}
		if !sleepWithin(ctx, wait) {
			return nil, err
		}
	}
}

// Login obtains a token now, so that a wrong password shows at start.
func (c *Client) Login(ctx context.Context) error {
	if !c.ServiceAccount() {
		return nil
	}
	_, err := c.authorization(ctx, "", "")
	return err
}

// Logout ends the service account's session on the upstream (v7+ have
// POST /token/logout) and forgets the token.
func (c *Client) Logout(ctx context.Context) error {
	c.mu.Lock()
	tok := c.tok
	c.tok = nil
	c.mu.Unlock()
	if tok == nil || !c.has(Logout) {
		return nil
	}
	resp, err := c.postForm(ctx, "/token/logout", nil, tok.header())
	if err != nil {
		return transportError("POST /token/logout", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNoContent {
		return statusError("POST /token/logout", resp.StatusCode, nil)
	}
	return nil
}

func (c *Client) postForm(ctx context.Context, path string, form url.Values, auth string) (*http.Response, error) {
	u := *c.base
	u.Path = c.prefix() + path
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := c.http.Do(req)
	switch {
	case err != nil:
		c.heardFrom(transportError("POST "+path, err))
	case resp.StatusCode >= http.StatusInternalServerError:
		c.heardFrom(statusError("POST "+path, resp.StatusCode, nil))
	default:
		c.heardFrom(nil)
	}
	return resp, err
}

func (c *Client) requestToken(ctx context.Context, form url.Values) (tok *token, err error) {
	grant := form.Get("grant_type")
	defer func() { c.opts.Observer.TokenRequest(grant, err == nil) }()
	if c.has(LoginWithoutAntiforgery) {
		form.Set("disable_antiforgery_token", "true")
	}
	// Spelled /token as in the OpenAPI files; paths are case-insensitive.
	resp, err := c.postForm(ctx, "/token", form, "")
	if err != nil {
		return nil, transportError(tokenRoute, err)
	}
	defer resp.Body.Close()
	body, err := readCapped(resp.Body, 1<<20)
	if err != nil {
		return nil, transportError(tokenRoute, err)
	}
	switch {
	case resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusUnauthorized:
		return nil, &Error{Kind: KindUnauthenticated, Route: tokenRoute, Status: resp.StatusCode, Message: "the upstream rejected the service account's credentials"}
	case resp.StatusCode != http.StatusOK:
		e := statusError(tokenRoute, resp.StatusCode, nil)
		e.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), c.opts.Now())
		return nil, e
	}
	var tr struct {
		AccessToken  string    `json:"access_token"`
		RefreshToken string    `json:"refresh_token"`
		ExpiresIn    flexInt64 `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &tr); err != nil || tr.AccessToken == "" {
		return nil, decodeError(tokenRoute, err)
	}
	life := time.Duration(tr.ExpiresIn.Value) * time.Second
	if life <= 0 {
		life = time.Hour // the documented default
	}
	margin := min(time.Minute, life/5)
	return &token{access: tr.AccessToken, refresh: tr.RefreshToken, refreshAt: c.opts.Now().Add(life - margin)}, nil
}

// BreakerOpen reports whether the circuit breaker refuses calls now.
func (c *Client) BreakerOpen() bool { return c.breaker.open() }

// Ping checks that the upstream answers and, for the service account, that
// a token is held (logging in if needed). In pass-through mode a 401 still
// proves the upstream is there.
func (c *Client) Ping(ctx context.Context) error {
	auth := ""
	if c.ServiceAccount() {
		var err error
		if auth, err = c.authorization(ctx, "", ""); err != nil {
			return err
		}
	}
	q := url.Values{}
	if c.has(PagedCollections) {
		q.Set("limit", "1") // a paged /Jobs; before, the (small) whole list
	}
	r, err := c.send(ctx, "GET /Jobs", c.url("/Jobs", q), auth, "")
	r.held.release()
	if StatusOf(err) == http.StatusUnauthorized && !c.ServiceAccount() {
		return nil
	}
	return err
}
