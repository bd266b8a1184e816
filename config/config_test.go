package config

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestFlagsBeatTheEnvironmentWhichFillsTheRest(t *testing.T) {
	t.Parallel()
	s, err := Load([]string{"--listen", "127.0.0.1:8081", "--insecure-skip-verify"}, env(map[string]string{
		"VB365_URL": "https://vbo.example:4443", "VB365_API_VERSION": "v6", "VB365_TIMEOUT": "3s",
		"LISTEN_ADDR": ":9999", "VB365_ALLOW_ANONYMOUS": "true", "VB365_USERNAME": "svc", "VB365_PASSWORD": "pw",
	}))
	if err != nil {
		t.Fatal(err)
	}
	one := s.Servers[0]
	if s.Listen.Addr != "127.0.0.1:8081" || one.UpstreamURL != "https://vbo.example:4443" || one.UpstreamTimeout != 3*time.Second || !one.InsecureSkipVerify || one.APIVersion != 6 {
		t.Errorf("%+v", s)
	}
	def, err := Load(nil, env(nil))
	if err != nil || def.Listen.Addr != ":8080" || def.APIVersion() != 0 || def.UpstreamTimeout() != 10*time.Second || !def.Demo() ||
		def.Upstream.BatchWait != 500*time.Microsecond || !def.Cache.Share || def.Telemetry.LogLevel.String() != "INFO" {
		t.Errorf("defaults: %+v %v", def, err)
	}
}

func TestErrorsNameTheSettingAndTheSource(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--api-version", "v9"}, nil, "--api-version"},
		{nil, map[string]string{"VB365_TIMEOUT": "soon"}, "VB365_TIMEOUT"},
		{nil, map[string]string{"VB365_ALLOW_ANONYMOUS": "maybe"}, "VB365_ALLOW_ANONYMOUS"},
		{[]string{"--upstream-url", "https://vbo:4443", "--username", "svc", "--password", "pw"}, nil, "allow-anonymous"},
		{[]string{"--upstream-url", "https://vbo:4443", "--api-keys", "k1"}, nil, "pass-through"},
		{[]string{"--username", "svc"}, nil, "username and password"},
		{[]string{"--log-format", "xml"}, nil, "--log-format"},
		{[]string{"--api-keys-file", "/nonexistent/keys"}, nil, "api-keys-file"},
		{[]string{"--max-concurrency", "0"}, nil, "--max-concurrency"},
		{[]string{"--batch-wait", "-1s"}, nil, "--batch-wait"},
		{[]string{"stray"}, nil, "unexpected argument"},
	}
	for _, c := range cases {
		_, err := Load(c.args, env(c.env))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v %v: got %v, want an error naming %s", c.args, c.env, err, c.want)
		}
	}
}

func TestConfigFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(file, []byte("upstream-timeout: 4s\nmax-depth: 9\nlisten: \":7000\"\napi-version: v6\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Load([]string{"--listen", ":7001"}, env(map[string]string{"VB365_CONFIG": file, "VB365_MAX_DEPTH": "11"}))
	if err != nil {
		t.Fatal(err)
	}
	if s.UpstreamTimeout() != 4*time.Second || s.APIVersion() != 6 {
		t.Errorf("the file's settings did not apply: %+v", s)
	}
	if s.Limits.MaxDepth != 11 || s.Listen.Addr != ":7001" {
		t.Errorf("environment must beat the file, flags the environment: depth %d, listen %s", s.Limits.MaxDepth, s.Listen.Addr)
	}
	if s, err = Load([]string{"-config=" + file}, env(nil)); err != nil || s.Limits.MaxDepth != 9 {
		t.Errorf("--config=FILE: %v, depth %d", err, s.Limits.MaxDepth)
	}
	bad := filepath.Join(dir, "bad.yaml")
	_ = os.WriteFile(bad, []byte("upstream-timout: 4s\n"), 0o600)
	if _, err := Load([]string{"--config", bad}, env(nil)); err == nil || !strings.Contains(err.Error(), "upstream-timout") {
		t.Errorf("a misspelt key: %v, want an error naming it", err)
	}
	_ = os.WriteFile(bad, []byte("max-depth: deep\n"), 0o600)
	if _, err := Load([]string{"--config", bad}, env(nil)); err == nil || !strings.Contains(err.Error(), "config file: max-depth") {
		t.Errorf("a bad value: %v, want an error naming the setting and the file", err)
	}
	keys := filepath.Join(dir, "keys")
	_ = os.WriteFile(keys, []byte("# operators\nk-one\n\n  k-two  \n"), 0o600)
	s, err = Load([]string{"--api-keys", "k-zero", "--api-keys-file", keys, "--upstream-url", "https://vbo:4443", "--username", "u", "--password", "p"}, env(nil))
	if err != nil || s.Access.Keys.Len() != 3 || strings.Join(s.Secrets()[2:], ",") != "k-zero,k-one,k-two" {
		t.Errorf("keys from the flag and the file: %v %v", s.Secrets(), err)
	}
}

// TestReadmeListsEveryFlag: the README's configuration table and the
// settings table name the same flags with the same variables and defaults.
func TestReadmeListsEveryFlag(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `--([a-z-]+)` \\| `([A-Z0-9_]+)` \\|([^|]*)\\|")
	documented := map[string][2]string{}
	for _, m := range row.FindAllStringSubmatch(string(readme), -1) {
		documented[m[1]] = [2]string{m[2], strings.Trim(strings.TrimSpace(m[3]), "`")}
	}
	for _, st := range Table() {
		doc, ok := documented[st.Name]
		switch {
		case !ok:
			t.Errorf("--%s is not in the README's table", st.Name)
		case doc[0] != st.Env:
			t.Errorf("--%s: README says %s, the table %s", st.Name, doc[0], st.Env)
		case doc[1] != st.Default && !(st.Default == "" && strings.HasPrefix(doc[1], "(")):
			t.Errorf("--%s: README's default %q, the table's %q", st.Name, doc[1], st.Default)
		}
		delete(documented, st.Name)
	}
	for name := range documented {
		t.Errorf("the README documents --%s, which is no setting", name)
	}
	var help bytes.Buffer
	PrintUsage(&help)
	for _, st := range Table() {
		if !strings.Contains(help.String(), "--"+st.Name+"\n") || !strings.Contains(help.String(), "(env "+st.Env) {
			t.Errorf("--help lacks --%s", st.Name)
		}
	}
}

// TestDebugListenerStaysOnLoopback: profiles show what the process holds,
// secrets included, so --debug-addr listens on loopback unless told.
func TestDebugListenerStaysOnLoopback(t *testing.T) {
	t.Parallel()
	for addr, ok := range map[string]bool{
		":6060": false, "0.0.0.0:6060": false, "[::]:6060": false, "10.1.2.3:6060": false, "vb365.example:6060": false, "6060": false,
		"127.0.0.1:6060": true, "[::1]:6060": true, "localhost:0": true,
	} {
		_, err := Load([]string{"--debug-addr", addr}, env(nil))
		if (err == nil) != ok || err != nil && !strings.Contains(err.Error(), "debug-addr") {
			t.Errorf("--debug-addr %s: %v; want accepted %v", addr, err, ok)
		}
	}
	if _, err := Load([]string{"--debug-addr", ":6060", "--debug-allow-remote"}, env(nil)); err != nil {
		t.Errorf("--debug-allow-remote: %v", err)
	}
}

// TestProxyCredentialsFile: a host's credentials, the password the rest of
// its line (spaces kept), and every password among the secrets the logs
// redact; a line without a password is an error naming its number and no
// secret.
func TestProxyCredentialsFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "proxies")
	_ = os.WriteFile(file, []byte("# host user password\nVBO-Proxy01 CONTOSO\\admin pass word 1\neast/vbo-proxy02 root s3cret!\n"), 0o600)
	s, err := Load([]string{"--proxy-credentials-file", file}, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	c := s.Upstream.ProxyCredentials
	if c["vbo-proxy01"].Username != `CONTOSO\admin` || c["vbo-proxy01"].Password != "pass word 1" || c["east/vbo-proxy02"].Password != "s3cret!" {
		t.Errorf("credentials %v", c)
	}
	if secrets := strings.Join(s.Secrets(), ","); !strings.Contains(secrets, "pass word 1") || !strings.Contains(secrets, "s3cret!") {
		t.Errorf("the passwords are not among the secrets")
	}
	if fmt.Sprint(c["vbo-proxy01"]) != `CONTOSO\admin (password hidden)` {
		t.Errorf("printed: %v", c["vbo-proxy01"])
	}
	_ = os.WriteFile(file, []byte("vbo-proxy01 admin-without-password\n"), 0o600)
	if _, err := Load([]string{"--proxy-credentials-file", file}, env(nil)); err == nil || !strings.Contains(err.Error(), "line 1") || strings.Contains(err.Error(), "admin-without") {
		t.Errorf("a line without a password: %v", err)
	}
}
