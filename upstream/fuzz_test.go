package upstream

import (
	"net/url"
	"strings"
	"testing"
)

// Fuzz targets for everything that reads input from the upstream or the
// client. Seed corpora (real answers of every version, generated from the
// simulator, and hand-written edge cases) live in testdata/fuzz/.
// Run one: go test ./upstream -run '^$' -fuzz FuzzDecodeSessions -fuzztime 30s

func FuzzDecodeSessions(f *testing.F) {
	f.Add([]byte(`[{"id":"a8cf9a63-64c3-4748-9c95-b1fbac0cce1d","progress":"1","statistics":{"transferredDataBytes":"12"}}]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := decodeCollection[wireSession](body)
		if err != nil {
			return
		}
		if p.Results == nil {
			t.Fatal("no error, but no results")
		}
		for i := range p.Results {
			s := p.Results[i].model()
			if s.JobID != nil && ValidateID(*s.JobID) != nil && p.Results[i].JobID == nil {
				t.Fatalf("job id %q taken from a link without validation", *s.JobID)
			}
		}
	})
}

func FuzzDecodeJobsAndLog(f *testing.F) {
	f.Add([]byte(`{"offset":0,"limit":30,"results":[{"id":"x","usn":1,"title":"[Warning] x"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		if p, err := decodeCollection[wireJob](body); err == nil {
			for i := range p.Results {
				_ = p.Results[i].model()
			}
		}
		if p, err := decodeCollection[wireLogItem](body); err == nil {
			for i := range p.Results {
				it := p.Results[i].model("s")
				if it.Type == "" {
					t.Fatalf("log item without a type: %+v", it)
				}
			}
		}
	})
}

func FuzzParseLink(f *testing.F) {
	f.Add("https://172.30.6.90:4443/v3/jobsessions/9f4eba99-ce30-419b-a942-354744045f51/log")
	f.Add("/v8/Jobs/9f4eba99-ce30-419b-a942-354744045f51")
	f.Fuzz(func(t *testing.T, href string) {
		l, ok := parseLink(href)
		if !ok {
			return
		}
		if ValidateID(l.ID) != nil || strings.ContainsAny(l.ID, "/?#%") {
			t.Fatalf("parseLink(%q) gave an unsafe id %q", href, l.ID)
		}
		if l.Resource != strings.ToLower(l.Resource) || l.Resource == "" {
			t.Fatalf("parseLink(%q) gave resource %q", href, l.Resource)
		}
	})
}

func FuzzValidateID(f *testing.F) {
	f.Add("9f4eba99-ce30-419b-a942-354744045f51")
	f.Add("../../Jobs")
	f.Fuzz(func(t *testing.T, id string) {
		if ValidateID(id) != nil {
			return
		}
		if url.PathEscape(id) != id || len(id) != 36 {
			t.Fatalf("accepted id %q would change the URL's path", id)
		}
	})
}
