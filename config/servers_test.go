package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const serversFile = `api-keys: k1
upstream-timeout: 7s
servers:
  - name: east
    upstream-url: https://east.example:4443
    username: EAST\svc
    password-file: %s
  - name: west-2
    upstream-url: https://west.example:4443
    api-version: v6
    username: svc
    password-env: WEST_PASSWORD
    ca-file: /etc/west-ca.pem
    tls-server-name: vbo.west
    upstream-timeout: 3s
`

func TestServersList(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pw := filepath.Join(dir, "east.pw")
	_ = os.WriteFile(pw, []byte("east-secret\n"), 0o600)
	file := filepath.Join(dir, "config.yaml")
	_ = os.WriteFile(file, []byte(strings.Replace(serversFile, "%s", pw, 1)), 0o600)
	s, err := Load([]string{"--config", file}, env(map[string]string{"WEST_PASSWORD": "west-secret"}))
	if err != nil {
		t.Fatal(err)
	}
	want := []Server{
		{Name: "east", UpstreamURL: "https://east.example:4443", Username: `EAST\svc`, Password: "east-secret", UpstreamTimeout: 7 * time.Second},
		{Name: "west-2", UpstreamURL: "https://west.example:4443", APIVersion: 6, Username: "svc", Password: "west-secret",
			CAFile: "/etc/west-ca.pem", TLSServerName: "vbo.west", UpstreamTimeout: 3 * time.Second},
	}
	if len(s.Servers) != 2 || s.Servers[0] != want[0] || s.Servers[1] != want[1] {
		t.Errorf("servers:\n got %+v\nwant %+v", s.Servers, want)
	}
	if s.PassThrough() || s.Demo() || !strings.Contains(strings.Join(s.Secrets(), ","), "west-secret") {
		t.Errorf("pass-through %v, demo %v, secrets %d", s.PassThrough(), s.Demo(), len(s.Secrets()))
	}

	one, err := Load([]string{"--upstream-url", "https://vbo:4443", "--username", "u", "--password", "p", "--allow-anonymous"}, env(nil))
	if err != nil || len(one.Servers) != 1 || one.Servers[0].Name != "default" || one.Servers[0].UpstreamURL != "https://vbo:4443" {
		t.Errorf("the flags make one server, default: %+v %v", one.Servers, err)
	}
	pass, err := Load([]string{"--config", writeFile(t, "servers:\n  - {name: a, upstream-url: https://a}\n  - {name: b, upstream-url: https://b}\n")}, env(nil))
	if err != nil || !pass.PassThrough() || len(pass.Servers) != 2 {
		t.Errorf("two pass-through servers: %+v %v", pass.Servers, err)
	}
	demo, err := Load([]string{"--demo-servers", "v3, v6,8"}, env(nil))
	if err != nil || !demo.Demo() || len(demo.DemoServers) != 3 || demo.DemoServers[2] != 8 {
		t.Errorf("demo servers: %v %v", demo.DemoServers, err)
	}
}

func TestServersListMistakes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cases := []struct{ file, flag, want string }{
		{"servers:\n  - name: a\n    upstream-url: https://a\n    username: u\n    password: p\nupstream-url: https://b\n", "", "each server says its own upstream-url"},
		{"servers:\n  - name: a\n    upstream-url: https://a\n    username: u\n    password: p\n", "--username", "each server says its own username"},
		{"servers:\n  - name: a b\n    upstream-url: https://a\n    username: u\n    password: p\n", "", "name must be letters"},
		{"servers:\n  - name: a\n    upstream-url: https://a\n    username: u\n    password: p\n  - name: A\n    upstream-url: https://b\n    username: u\n    password: p\n", "", "another server has this name"},
		{"servers:\n  - name: a\n    upstream-url: https://a\n    username: u\n", "", "servers[0] (a): username and one of password"},
		{"servers:\n  - name: a\n    upstream-url: https://a\n    username: u\n    password: p\n  - name: b\n    upstream-url: https://b\n", "", "either every server has a service account, or none"},
		{"servers:\n  - name: a\n    upstream-url: https://a\n    username: u\n    password: p\n    password-env: P\n", "", "give one of"},
		{"servers:\n  - name: a\n    upstream-url: https://a\n    username: u\n    password-env: NOPE\n", "", "NOPE, which is not set"},
		{"servers:\n  - name: a\n    upstream-url: https://a\n    username: u\n    password: p\n    api-version: v2\n", "", "api-version"},
		{"servers:\n  - name: a\n    upsteam-url: https://a\n", "", "servers:"},
		{"servers:\n", "", "the list is empty"},
		{"servers:\n  - name: a\n    upstream-url: https://a\n    username: u\n    password: p\n", "--demo-servers", "demo-servers"},
	}
	for i, c := range cases {
		file := filepath.Join(dir, "c.yaml")
		_ = os.WriteFile(file, []byte("allow-anonymous: true\n"+c.file), 0o600)
		args := []string{"--config", file}
		switch c.flag {
		case "--username":
			args = append(args, c.flag, "u")
		case "--demo-servers":
			args = append(args, c.flag, "v8")
		}
		_, err := Load(args, env(nil))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("case %d: %v, want an error saying %q", i, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "p\n") {
			t.Errorf("case %d: the error shows a password: %v", i, err)
		}
	}
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}
