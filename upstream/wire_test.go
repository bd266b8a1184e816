package upstream

import (
	"encoding/json"
	"testing"
	"time"
)

func TestFlexInt64(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		want int64
		set  bool
	}{
		`123`:          {123, true},
		`"4294967296"`: {4294967296, true}, // v3 documents counters as strings
		`" 7 "`:        {7, true},
		`null`:         {0, false},
		`""`:           {0, false},
		`12.9`:         {12, true},
	}
	for in, want := range cases {
		var n flexInt64
		if err := json.Unmarshal([]byte(in), &n); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if n.Value != want.want || n.Set != want.set {
			t.Errorf("%s: got (%d,%v), want (%d,%v)", in, n.Value, n.Set, want.want, want.set)
		}
	}
	var n flexInt64
	if err := json.Unmarshal([]byte(`"lots"`), &n); err == nil {
		t.Error(`"lots" decoded without error`)
	}
}

func TestFlexTime(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		`"2019-02-04T16:49:22.8529769Z"`:      "2019-02-04T16:49:22.8529769Z",
		`"2022-01-31T16:39:24.008771Z"`:       "2022-01-31T16:39:24.008771Z",
		`"2019-06-16T15:00:00.0402129-07:00"`: "2019-06-16T22:00:00.0402129Z", // v3 log times carry an offset
		`"2018-06-02T02:00:00Z"`:              "2018-06-02T02:00:00Z",
		`"2018-06-02T02:00:00"`:               "2018-06-02T02:00:00Z",
	}
	for in, want := range cases {
		var ft flexTime
		if err := json.Unmarshal([]byte(in), &ft); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if got := ft.Value.Format(time.RFC3339Nano); got != want || !ft.Set {
			t.Errorf("%s: got %s (set %v), want %s", in, got, ft.Set, want)
		}
	}
	for _, absent := range []string{`null`, `""`, `"0001-01-01T00:00:00"`, `"0001-01-01T00:00:00Z"`} {
		var ft flexTime
		if err := json.Unmarshal([]byte(absent), &ft); err != nil || ft.Set {
			t.Errorf("%s: want absent, got set=%v err=%v", absent, ft.Set, err)
		}
	}
	var ft flexTime
	if err := json.Unmarshal([]byte(`"yesterday"`), &ft); err == nil {
		t.Error(`"yesterday" decoded without error`)
	}
}

func TestParseLink(t *testing.T) {
	t.Parallel()
	id := "9f4eba99-ce30-419b-a942-354744045f51"
	cases := []struct {
		href string
		want Link
		ok   bool
	}{
		{"https://172.30.6.90:4443/v3/jobsessions/" + id + "/log", Link{"jobsessions", id}, true},
		{"https://support.east.local:4443/v3/jobs/" + id, Link{"jobs", id}, true},
		{"/v6/JobSessions/" + id + "/LogItems", Link{"jobsessions", id}, true},
		{"/v8/Jobs/9F4EBA99-CE30-419B-A942-354744045F51", Link{"jobs", id}, true},
		{"https://evil.example/v8/Jobs/" + id, Link{"jobs", id}, true}, // host ignored: never fetched
		{"/v8/Jobs/..%2F..%2Fetc", Link{}, false},
		{"/v8/Jobs/not-an-id", Link{}, false},
		{"/v8/Jobs", Link{}, false},
		{"", Link{}, false},
		{"::not a url", Link{}, false},
	}
	for _, c := range cases {
		got, ok := parseLink(c.href)
		if ok != c.ok || got != c.want {
			t.Errorf("parseLink(%q) = %+v, %v; want %+v, %v", c.href, got, ok, c.want, c.ok)
		}
	}
}

func TestSessionModelAcrossVersions(t *testing.T) {
	t.Parallel()
	v3 := `{"id":"a8cf9a63-64c3-4748-9c95-b1fbac0cce1d","creationTime":"2019-02-04T16:49:22.8529769Z","endTime":"2019-02-04T16:50:21.3024288Z","progress":"1","status":"success",
	  "statistics":{"processingRateBytesPS":"1683256","processingRateItemsPS":20,"readRateBytesPS":5383429,"writeRateBytesPS":26015396,"transferredDataBytes":"3298142970","processedObjects":1193,"bottleneck":"Source"},
	  "_links":{"self":{"href":"https://support.east.local:4443/v3/jobsessions/a8cf9a63-64c3-4748-9c95-b1fbac0cce1d"},"log":{"href":"https://support.east.local:4443/v3/jobsessions/a8cf9a63-64c3-4748-9c95-b1fbac0cce1d/log"},"job":{"href":"https://support.east.local:4443/v3/jobs/b20cedd4-66b2-49b1-86de-a575dc67e83b"}}}`
	var w wireSession
	if err := json.Unmarshal([]byte(v3), &w); err != nil {
		t.Fatal(err)
	}
	s := w.model()
	if s.JobID == nil || *s.JobID != "b20cedd4-66b2-49b1-86de-a575dc67e83b" {
		t.Errorf("job id from link: %v", s.JobID)
	}
	if s.Status != StatusSuccess || s.Progress != 1 || s.Statistics.TransferredDataBytes != 3298142970 || s.Statistics.Bottleneck != BottleneckSource {
		t.Errorf("unexpected model: %+v %+v", s, s.Statistics)
	}

	v8 := `{"id":"a8cf9a63-64c3-4748-9c95-b1fbac0cce1d","jobId":"b20cedd4-66b2-49b1-86de-a575dc67e83b","creationTime":"2024-02-04T16:49:22.8529769Z","endTime":null,
	  "progress":3,"status":"Hibernating","jobType":"Archive","statistics":{"bottleneck":"Network"},"eTag":42}`
	w = wireSession{}
	if err := json.Unmarshal([]byte(v8), &w); err != nil {
		t.Fatal(err)
	}
	s = w.model()
	if s.Status != StatusUnknown || *s.JobType != JobTypeUnknown || s.Statistics.Bottleneck != BottleneckUnknown {
		t.Errorf("values a newer server sends must map to Unknown: %+v", s)
	}
	if s.EndTime != nil || *s.ETag != 42 || *s.JobID != "b20cedd4-66b2-49b1-86de-a575dc67e83b" {
		t.Errorf("unexpected model: %+v", s)
	}
}

func TestLogItemBothForms(t *testing.T) {
	t.Parallel()
	var old, v8 wireLogItem
	_ = json.Unmarshal([]byte(`{"id":"x","usn":"2","title":"[Warning] Item skipped: locked","creationTime":"2019-06-16T15:00:00.0558112-07:00"}`), &old)
	_ = json.Unmarshal([]byte(`{"id":"y","usn":1000,"type":"Error","message":"Connection lost","creationTime":"2024-06-16T15:00:00Z"}`), &v8)
	o, n := old.model("s"), v8.model("s")
	if o.Type != LogWarning || o.Message != "Item skipped: locked" || o.Title != "[Warning] Item skipped: locked" || o.Usn != 2 {
		t.Errorf("pre-v8 item: %+v", o)
	}
	if n.Type != LogError || n.Message != "Connection lost" || n.Title != "[Error] Connection lost" || n.Usn != 1000 {
		t.Errorf("v8 item: %+v", n)
	}
	if typ, msg := splitTitle("[Failed] Job failed"); typ != LogError || msg != "Job failed" {
		t.Errorf("Failed prefix: %v %q", typ, msg)
	}
	if typ, msg := splitTitle("no prefix"); typ != LogUnknown || msg != "no prefix" {
		t.Errorf("no prefix: %v %q", typ, msg)
	}
}

func TestDecodeCollection(t *testing.T) {
	t.Parallel()
	arr, err := decodeCollection[wireJob]([]byte(` [{"id":"a"},{"id":"b"}]`))
	if err != nil || len(arr.Results) != 2 || arr.Limit.Set {
		t.Fatalf("bare array: %+v %v", arr, err)
	}
	pg, err := decodeCollection[wireJob]([]byte(`{"offset":30,"limit":30,"totalCount":31,"results":[{"id":"c"}]}`))
	if err != nil || len(pg.Results) != 1 || pg.TotalCount.Value != 31 || pg.Offset.Value != 30 {
		t.Fatalf("page: %+v %v", pg, err)
	}
	for _, bad := range []string{`{"offset":0}`, `{"results":null}`, `"text"`, `{"results":[1]}`, ``} {
		if _, err := decodeCollection[wireJob]([]byte(bad)); err == nil {
			t.Errorf("%q decoded without error", bad)
		}
	}
}
