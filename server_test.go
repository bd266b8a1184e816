package main

import (
	"strings"
	"testing"
	"time"
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
