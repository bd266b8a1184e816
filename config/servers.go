package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/vb365-graphql/vb365-graphql/upstream"
)

// Server is one VB365 server the gateway covers. The single-server flags
// (--upstream-url and the rest) make one, named "default"; the config
// file's servers list makes several.
type Server struct {
	Name               string
	UpstreamURL        string
	APIVersion         int // 0: auto
	Username, Password string
	CAFile             string
	TLSServerName      string
	InsecureSkipVerify bool
	UpstreamTimeout    time.Duration
}

// DefaultServerName is the name of the server the flags describe.
const DefaultServerName = "default"

// serverEntry is one item of the config file's servers list, keyed as the
// single-server flags are.
type serverEntry struct {
	Name               string `yaml:"name"`
	UpstreamURL        string `yaml:"upstream-url"`
	APIVersion         string `yaml:"api-version"`
	Username           string `yaml:"username"`
	Password           string `yaml:"password"`
	PasswordFile       string `yaml:"password-file"`
	PasswordEnv        string `yaml:"password-env"`
	CAFile             string `yaml:"ca-file"`
	TLSServerName      string `yaml:"tls-server-name"`
	InsecureSkipVerify bool   `yaml:"insecure-skip-verify"`
	UpstreamTimeout    string `yaml:"upstream-timeout"`
}

var serverName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,62}$`)

// singleServerSettings may not be set beside a servers list: each server
// says its own.
var singleServerSettings = []string{"upstream-url", "username", "password", "ca-file", "tls-server-name", "insecure-skip-verify"}

// parseServers reads the config file's servers list.
// defaults gives a server what its entry leaves out: --api-version and
// --upstream-timeout.
func parseServers(raw any, getenv func(string) string, defaults Server) ([]Server, error) {
	b, err := yaml.Marshal(raw)
	if err != nil {
		return nil, fmt.Errorf("config file: servers: %w", err)
	}
	var entries []serverEntry
	if err := yaml.NewDecoder(bytes.NewReader(b), yaml.DisallowUnknownField()).Decode(&entries); err != nil {
		return nil, fmt.Errorf("config file: servers: %s (each server is a map of name, upstream-url, api-version, username, password, password-file, password-env, ca-file, tls-server-name, insecure-skip-verify, upstream-timeout)", firstLine(err.Error()))
	}
	if len(entries) == 0 {
		return nil, errors.New("config file: servers: the list is empty")
	}
	var out []Server
	var errs []error
	passThrough := 0
	seen := map[string]bool{}
	for i, e := range entries {
		where := fmt.Sprintf("config file: servers[%d]", i)
		if e.Name != "" {
			where += " (" + e.Name + ")"
		}
		bad := func(msg string) { errs = append(errs, fmt.Errorf("%s: %s", where, msg)) }
		switch {
		case !serverName.MatchString(e.Name):
			bad("name must be letters, digits and dashes, starting with a letter or digit (it appears in queries, errors and metrics)")
		case seen[strings.ToLower(e.Name)]:
			bad("another server has this name")
		}
		seen[strings.ToLower(e.Name)] = true
		if e.UpstreamURL == "" {
			bad("upstream-url is missing")
		}
		s := Server{Name: e.Name, UpstreamURL: e.UpstreamURL, Username: e.Username, CAFile: e.CAFile, TLSServerName: e.TLSServerName,
			InsecureSkipVerify: e.InsecureSkipVerify, APIVersion: defaults.APIVersion, UpstreamTimeout: defaults.UpstreamTimeout}
		if e.APIVersion != "" {
			if err := apiVersion(&s.APIVersion, "", "", "", "").set(e.APIVersion); err != nil {
				bad("api-version " + err.Error())
			}
		}
		if e.UpstreamTimeout != "" {
			if d, err := time.ParseDuration(e.UpstreamTimeout); err != nil || d <= 0 {
				bad("upstream-timeout is not a positive duration, such as 10s")
			} else {
				s.UpstreamTimeout = d
			}
		}
		given := 0
		for _, v := range []string{e.Password, e.PasswordFile, e.PasswordEnv} {
			if v != "" {
				given++
			}
		}
		switch {
		case e.Username == "" && given == 0:
			// pass-through: each caller's own VB365 token goes to the server
		case e.Username == "" || given == 0:
			bad("username and one of password, password-file or password-env: set both (a service account) or neither (pass-through)")
		case given > 1:
			bad("give one of password, password-file or password-env")
		case e.PasswordFile != "":
			pw, err := os.ReadFile(e.PasswordFile)
			if err != nil {
				bad("password-file cannot be read: " + err.Error())
			}
			s.Password = strings.TrimRight(string(pw), "\r\n")
		case e.PasswordEnv != "":
			if s.Password = getenv(e.PasswordEnv); s.Password == "" {
				bad("password-env names " + e.PasswordEnv + ", which is not set")
			}
		default:
			s.Password = e.Password
		}
		if s.Username == "" {
			passThrough++
		}
		out = append(out, s)
	}
	if passThrough > 0 && passThrough < len(out) {
		// The Authorization header is either the caller's VB365 token, or
		// the gateway's API key or access token: not both.
		errs = append(errs, errors.New("config file: servers: either every server has a service account, or none has (pass-through)"))
	}
	return out, errors.Join(errs...)
}

// demoServers reads --demo-servers: the API versions of the simulators to
// serve, each becoming a server named after its version (v8, v8-2, ...).
func demoServers(p *[]int) func(string) error {
	return func(v string) error {
		*p = nil
		for _, item := range strings.Split(v, ",") {
			if item = strings.TrimSpace(item); item == "" {
				continue
			}
			var n int
			if err := apiVersion(&n, "", "", "", "").set(item); err != nil || n == 0 {
				return fmt.Errorf("is not a comma-separated list of versions v%d..v%d", upstream.MinVersion, upstream.MaxVersion)
			}
			*p = append(*p, n)
		}
		return nil
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}
