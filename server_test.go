package main

import (
	"context"
	"flag"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vb365-graphql/vb365-graphql/upstream/vb365sim"
)

func TestConfigFromFlagsAndEnvironment(t *testing.T) {
	env := map[string]string{
		"VB365_URL": "https://vbo.example:4443", "VB365_API_VERSION": "v6", "VB365_TIMEOUT": "3s",
		"VB365_INSECURE_SKIP_VERIFY": "true", "LISTEN_ADDR": ":9999",
	}
	c, err := parseConfig([]string{"--listen", "127.0.0.1:8081"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.listen != "127.0.0.1:8081" || c.upstreamURL != "https://vbo.example:4443" || c.timeout != 3*time.Second || !c.insecure {
		t.Errorf("flags must win over the environment, which fills the rest: %+v", c)
	}
	if v, _ := c.version(); v != 6 {
		t.Errorf("version %d, want 6", v)
	}
	def, err := parseConfig(nil, func(string) string { return "" })
	if err != nil || def.listen != ":8080" || def.apiVersion != "v8" || def.timeout != 10*time.Second || def.upstreamURL != "" {
		t.Errorf("defaults: %+v %v", def, err)
	}
}

func TestConfigErrorsNameTheSetting(t *testing.T) {
	cases := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--api-version", "v9"}, nil, "api-version"},
		{nil, map[string]string{"VB365_TIMEOUT": "soon"}, "VB365_TIMEOUT"},
		{nil, map[string]string{"VB365_ALLOW_ANONYMOUS": "maybe"}, "VB365_ALLOW_ANONYMOUS"},
		{[]string{"--upstream-url", "https://vbo:4443", "--username", "svc", "--password", "pw"}, nil, "allow-anonymous"},
		{[]string{"--upstream-url", "https://vbo:4443", "--api-keys", "k1"}, nil, "pass-through"},
		{[]string{"--username", "svc"}, nil, "username and password"},
		{[]string{"--log-format", "xml"}, nil, "log-format"},
		{[]string{"--api-keys-file", "/nonexistent/keys"}, nil, "api-keys-file"},
		{[]string{"--max-concurrency", "0"}, nil, "max-concurrency"},
	}
	for _, c := range cases {
		_, err := parseConfig(c.args, func(k string) string { return c.env[k] })
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v %v: got %v, want an error naming %s", c.args, c.env, err, c.want)
		}
	}
}

// TestReadmeListsEveryFlag: the README's configuration table and --help
// name the same flags with the same environment variables and defaults.
func TestReadmeListsEveryFlag(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `--([a-z-]+)` \\| `([A-Z0-9_]+)` \\|([^|]*)\\|")
	documented := map[string][2]string{}
	for _, m := range row.FindAllStringSubmatch(string(readme), -1) {
		documented[m[1]] = [2]string{m[2], strings.Trim(strings.TrimSpace(m[3]), "`")}
	}
	var c config
	var errs []error
	fs := c.flags(func(string) string { return "" }, &errs)
	n := 0
	fs.VisitAll(func(f *flag.Flag) {
		n++
		doc, ok := documented[f.Name]
		env := regexp.MustCompile(`\(env ([A-Z0-9_]+)\)`).FindStringSubmatch(f.Usage)
		switch {
		case !ok:
			t.Errorf("--%s is not in the README's table", f.Name)
		case env == nil || env[1] != doc[0]:
			t.Errorf("--%s: README says %s, the code %v", f.Name, doc[0], env)
		case f.DefValue != doc[1] && !(f.DefValue == "" && strings.HasPrefix(doc[1], "(")) && !(f.DefValue == "" && doc[1] == ""):
			t.Errorf("--%s: README's default %q, the code's %q", f.Name, doc[1], f.DefValue)
		}
	})
	if len(documented) != n {
		t.Errorf("the README documents %d flags, the code has %d", len(documented), n)
	}
}

// TestWrongPasswordStopsTheStart: the process ends at once with a message
// that says what is wrong, after a single login attempt.
func TestWrongPasswordStopsTheStart(t *testing.T) {
	sim := vb365sim.New(vb365sim.Options{Version: 8})
	ts := httptest.NewServer(sim)
	defer ts.Close()
	prev := slog.Default()
	defer slog.SetDefault(prev)
	err := run(context.Background(), []string{"--upstream-url", ts.URL, "--username", "svc", "--password", "wrong-pw-1234",
		"--allow-anonymous", "--listen", "127.0.0.1:0"})
	if err == nil || !strings.Contains(err.Error(), "cannot log in") || strings.Contains(err.Error(), "wrong-pw-1234") {
		t.Errorf("got %v; want a login error that does not show the password", err)
	}
	if n := sim.Calls()["POST /Token"]; n != 1 {
		t.Errorf("%d login attempts, want 1", n)
	}
}

func TestConfigFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(file, []byte("upstream-timeout: 4s\nmax-depth: 9\nlisten: \":7000\"\napi-version: v6\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"VB365_CONFIG": file, "VB365_MAX_DEPTH": "11"}
	c, err := parseConfig([]string{"--listen", ":7001"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.timeout != 4*time.Second || c.apiVersion != "v6" {
		t.Errorf("the file's settings did not apply: %+v", c)
	}
	if c.maxDepth != 11 || c.listen != ":7001" {
		t.Errorf("environment must beat the file, flags the environment: depth %d, listen %s", c.maxDepth, c.listen)
	}
	c, err = parseConfig([]string{"-config=" + file}, func(string) string { return "" })
	if err != nil || c.maxDepth != 9 {
		t.Errorf("--config=FILE: %v, depth %d", err, c.maxDepth)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	_ = os.WriteFile(bad, []byte("upstream-timout: 4s\n"), 0o600)
	if _, err := parseConfig([]string{"--config", bad}, func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), "upstream-timout") {
		t.Errorf("a misspelt key: %v, want an error naming it", err)
	}
	_ = os.WriteFile(bad, []byte("max-depth: deep\n"), 0o600)
	if _, err := parseConfig([]string{"--config", bad}, func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), "VB365_MAX_DEPTH") {
		t.Errorf("a bad value: %v, want an error naming the setting", err)
	}
}
