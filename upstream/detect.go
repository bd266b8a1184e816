package upstream

import (
	"context"
	"fmt"
	"net/http"
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
