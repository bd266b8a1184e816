package config

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

// TestKubernetesManifest checks deploy/kubernetes.yaml: the objects an
// operator expects are there, the probes hit real paths, and every
// environment variable it sets is one the gateway reads.
func TestKubernetesManifest(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join("..", "deploy", "kubernetes.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, doc := range bytes.Split(raw, []byte("\n---\n")) {
		var obj struct{ Kind string }
		if err := yaml.Unmarshal(doc, &obj); err != nil {
			t.Fatalf("not YAML: %v", err)
		}
		kinds[obj.Kind] = true
	}
	for _, k := range []string{"Deployment", "Service", "HorizontalPodAutoscaler", "Secret"} {
		if !kinds[k] {
			t.Errorf("no %s", k)
		}
	}
	for _, path := range []string{"path: /healthz", "path: /readyz", "runAsNonRoot: true", "resources:"} {
		if !bytes.Contains(raw, []byte(path)) {
			t.Errorf("the Deployment lacks %q", path)
		}
	}
	known := map[string]bool{}
	for _, st := range Table() {
		known[st.Env] = true
	}
	set := regexp.MustCompile(`(?m)(?:name: |^  )(VB365_[A-Z_]+|LISTEN_ADDR)\b`).FindAllStringSubmatch(string(raw), -1)
	if len(set) < 8 {
		t.Errorf("found only %d environment variables in the manifest", len(set))
	}
	for _, m := range set {
		if !known[m[1]] {
			t.Errorf("the manifest sets %s, which the gateway does not read", m[1])
		}
	}
	if !strings.Contains(string(raw), "VB365_PASSWORD") {
		t.Error("the manifest does not show where the password goes")
	}
}
