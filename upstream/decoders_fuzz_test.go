package upstream

import (
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzDecodersAgree holds decodeJSON to encoding/json's behaviour on every
// wire type: the same bodies accepted, the same values read. The seeds are
// the corpora of the decoding fuzz targets (real answers of every version).
func FuzzDecodersAgree(f *testing.F) {
	f.Add([]byte(`{"offset":0,"limit":1,"results":[{"id":"x","progress":"7","creationTime":"2026-11-01T10:00:00.1234567+01:00","_links":{"job":{"href":"/v8/Jobs/1"}}}]}`))
	f.Add([]byte(`[{"ID":"x","Progress":1e2,"creationTime":"2026-11-01T10:00:00\u002B01:00"}]`))
	f.Add([]byte(`{"results":[{"id":"\ud800","name":"a\u0000b","retryCount":"-3"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		agree[wirePage[wireSession]](t, body)
		agree[wirePage[wireJob]](t, body)
		agree[wirePage[wireLogItem]](t, body)
		agree[[]wireSession](t, body)
		agree[wireSession](t, body)
		agree[wireOrganization](t, body)
		agree[wireRepository](t, body)
		agree[wireProxy](t, body)
		agree[wireCopyJob](t, body)
		agree[wireLicense](t, body)
		agree[wireServiceInstance](t, body)
		agree[wirePage[wireProcessedObject]](t, body)
		agree[wirePage[wireRestorePoint]](t, body)
		agree[wirePage[wireRestoreSession]](t, body)
		agree[wireRestoreStatistics](t, body)
	})
}

func agree[W any](t *testing.T, body []byte) {
	t.Helper()
	var ours, std W
	errOurs, errStd := decodeJSON(body, &ours), json.Unmarshal(body, &std)
	if (errOurs == nil) != (errStd == nil) {
		t.Fatalf("%T: decodeJSON error %v, encoding/json error %v, on %q", ours, errOurs, errStd, body)
	}
	if errStd == nil && !reflect.DeepEqual(ours, std) {
		t.Fatalf("%T: decodeJSON read %+v, encoding/json %+v, from %q", ours, ours, std, body)
	}
}
