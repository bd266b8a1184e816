package vb365sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// kv and obj write JSON objects with their keys in a fixed order, so the
// simulator's answers look like the real server's and stay byte-stable.
type kv struct {
	k string
	v any
}

type obj []kv

// get is the value of key k (nil: none).
func (o obj) get(k string) any {
	for _, f := range o {
		if f.k == k {
			return f.v
		}
	}
	return nil
}

func (o obj) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f.k)
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(f.v)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// timeText formats like the server: seven fractional digits, UTC "Z".
func timeText(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.0000000Z")
}

// localTimeText is how v3..v5 servers wrote log times: in the server's zone.
var serverZone = time.FixedZone("PDT", -7*3600)

func localTimeText(t time.Time) string {
	return t.In(serverZone).Format("2006-01-02T15:04:05.0000000-07:00")
}

// href builds a link as the version does: absolute with the server's own
// host name and lower-case path up to v5, relative from v6.
func (s *Server) href(path string) string {
	v := "/v" + strconv.Itoa(s.opts.Version)
	if s.opts.Version <= 5 {
		return "https://" + s.opts.Host + v + strings.ToLower(path)
	}
	return v + path
}

func link(h string) obj { return obj{{"href", h}} }

// num sends a counter as v3/v4 documented it ("string"), a number otherwise.
func (s *Server) num(n int64) any {
	if s.opts.Version <= 4 {
		return strconv.FormatInt(n, 10)
	}
	return n
}

func (s *Server) sessionJSON(ss *session) obj {
	v := s.opts.Version
	st := ss.at(s.opts.Now())
	progress := int64(float64(ss.objects) * st.fraction)
	bytesDone := int64(float64(ss.bytes) * st.fraction)
	elapsed := ss.duration.Seconds() * st.fraction
	if elapsed < 1 {
		elapsed = 1
	}
	bottleneck := ss.bottleneck
	if st.status == "Running" {
		bottleneck = "Detecting"
	}
	rate := int64(float64(bytesDone) / elapsed)

	o := obj{{"id", ss.id}}
	if v >= 8 {
		o = append(o, kv{"jobId", ss.job.id})
	}
	if v >= 7 {
		o = append(o, kv{"repositoryId", ss.job.repository})
		if ss.retryOf != "" {
			o = append(o, kv{"mainSessionId", ss.retryOf})
		}
	}
	if v >= 6 {
		o = append(o, kv{"details", fmt.Sprintf("Transferred: %s (%d items) at %s/s (%d items/s)",
			humanBytes(bytesDone), progress, humanBytes(rate), int64(float64(progress)/elapsed))})
	}
	o = append(o, kv{"creationTime", timeText(ss.created)})
	switch {
	case st.end != nil:
		o = append(o, kv{"endTime", timeText(*st.end)})
	case v >= 7:
		o = append(o, kv{"endTime", nil})
	case v == 6:
		o = append(o, kv{"endTime", "0001-01-01T00:00:00Z"})
	default:
		o = append(o, kv{"endTime", "0001-01-01T00:00:00"})
	}
	if v >= 6 {
		o = append(o, kv{"retryCount", ss.retryCount})
	}
	if v >= 7 {
		o = append(o, kv{"jobWillBeRetried", st.status == "Failed" && ss.retryCount == 0})
	}
	o = append(o, kv{"progress", progress})
	if v >= 7 {
		o = append(o, kv{"jobType", map[bool]string{false: "Backup", true: "Copy"}[ss.job.copy]})
	}
	if v >= 8 {
		o = append(o, kv{"jobSessionConfigType", map[bool]string{false: "Incremental", true: "Full"}[ss.retryCount > 0 || ss.full]})
	}
	o = append(o, kv{"status", st.status})
	o = append(o, kv{"statistics", obj{
		{"processingRateBytesPS", s.num(rate)},
		{"processingRateItemsPS", s.num(int64(float64(progress) / elapsed))},
		{"readRateBytesPS", s.num(rate * 3)},
		{"writeRateBytesPS", s.num(rate * 2)},
		{"transferredDataBytes", s.num(bytesDone)},
		{"processedObjects", s.num(progress)},
		{"bottleneck", bottleneck},
	}})
	if v >= 8 {
		px := s.data.repoByID[ss.job.repository].proxy
		var pool any
		if px.pool != nil {
			pool = px.pool.id
		}
		o = append(o, kv{"eTag", ss.created.Unix()%100000 + int64(progress)}, kv{"proxyId", px.id}, kv{"proxyPoolId", pool})
	}
	logPath := "/JobSessions/" + ss.id + "/LogItems"
	if v <= 4 {
		logPath = "/JobSessions/" + ss.id + "/log" // the link real v3 servers sent; it answers 404
	}
	o = append(o, kv{"_links", obj{
		{"self", link(s.href("/JobSessions/" + ss.id))},
		{"log", link(s.href(logPath))},
		{"job", link(s.href("/Jobs/" + ss.job.id))},
	}})
	return o
}

func humanBytes(n int64) string {
	units := []string{"B", "KB", "MB", "GB", "TB"}
	f, i := float64(n), 0
	for f >= 1024 && i < len(units)-1 {
		f /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%d B", n)
	}
	return fmt.Sprintf("%.1f %s", f, units[i])
}

func (s *Server) jobJSON(j *job) obj {
	v := s.opts.Version
	now := s.opts.Now()
	var last *session
	for _, ss := range s.data.sessions {
		if ss.job == j && !ss.created.After(now) {
			last = ss
			break
		}
	}
	o := obj{{"id", j.id}, {"name", j.name}, {"description", j.description}}
	if v >= 8 {
		o = append(o, kv{"organizationId", j.org.id})
	}
	if v >= 6 {
		o = append(o, kv{"repositoryId", j.repository})
	}
	o = append(o, kv{"backupType", j.backupType})
	var lastRun, lastStatus, lastBackup any
	if last != nil {
		lastRun, lastStatus = timeText(last.created), last.at(now).status
		for _, ss := range s.data.sessions {
			if ss.job == j && !ss.created.After(now) && ss.at(now).status == "Success" {
				lastBackup = timeText(ss.created)
				break
			}
		}
	}
	next := s.opts.Anchor.Add(j.period - time.Duration(hashOf(j.id)%180)*time.Minute)
	var nextRun any = timeText(next)
	if !j.enabled {
		nextRun = nil
	}
	o = append(o, kv{"lastRun", lastRun}, kv{"nextRun", nextRun})
	if v >= 7 {
		o = append(o, kv{"lastBackup", lastBackup})
	}
	o = append(o, kv{"isEnabled", j.enabled}, kv{"lastStatus", lastStatus})
	window := make([]bool, 168)
	for i := range window {
		window[i] = true
	}
	policy := obj{
		{"scheduleEnabled", true},
		{"backupWindowEnabled", false},
		{"backupWindowSettings", obj{{"backupWindow", window}, {"minuteOffset", 0}}},
		{"type", j.schedule},
	}
	if j.every != "" {
		policy = append(policy, kv{"periodicallyEvery", j.every}, kv{"periodicallyOffsetMinutes", 0})
	} else {
		policy = append(policy, kv{"dailyType", "Everyday"}, kv{"dailyTime", j.dailyTime})
	}
	policy = append(policy, kv{"retryEnabled", true}, kv{"retryNumber", 3}, kv{"retryWaitInterval", 10})
	o = append(o, kv{"schedulePolicy", policy})
	if v >= 8 {
		o = append(o, kv{"eTag", int64(hashOf(j.id)%100000) + j.changes})
	}
	sessions := "/Jobs/" + j.id + "/JobSessions" // v7 still links here though it no longer serves it
	if v >= 8 {
		sessions = "/JobSessions?jobId=" + j.id
	}
	o = append(o, kv{"_links", obj{
		{"self", link(s.href("/Jobs/" + j.id))},
		{"organization", link(s.href("/Organizations/" + j.org.id))},
		{"backupRepository", link(s.href("/BackupRepositories/" + j.repository))},
		{"jobsessions", link(s.href(sessions))},
	}})
	return o
}

// page wraps results as the version does: bare arrays (bare=true), or an
// envelope with totalCount (v5..v7) and page links.
func (s *Server) page(path string, q url.Values, offset, limit, total int, results []obj) any {
	v := s.opts.Version
	o := obj{{"offset", offset}, {"limit", limit}}
	if v >= 5 && v <= 7 {
		o = append(o, kv{"totalCount", total})
	}
	if results == nil {
		results = []obj{}
	}
	o = append(o, kv{"results", results})
	pageLink := func(off int) obj {
		qq := url.Values{}
		for k, vs := range q {
			qq[k] = vs
		}
		qq.Set("offset", strconv.Itoa(off))
		qq.Set("limit", strconv.Itoa(limit))
		return link(s.href(path) + "?" + qq.Encode())
	}
	links := obj{{"self", pageLink(offset)}, {"first", pageLink(0)}}
	if offset > 0 {
		links = append(links, kv{"prev", pageLink(max(offset-limit, 0))})
	}
	if offset+limit < total {
		links = append(links, kv{"next", pageLink(offset + limit)})
	}
	o = append(o, kv{"_links", links})
	return o
}

func window[T any](items []T, offset, limit int) []T {
	lo := min(offset, len(items))
	return items[lo:min(lo+limit, len(items))]
}

// listSessions serves /JobSessions and /Jobs/{id}/JobSessions with the
// filters each version knows; unknown ones are ignored, as the server does.
func (s *Server) listSessions(w http.ResponseWriter, q url.Values, jobID string) {
	v := s.opts.Version
	now := s.opts.Now()
	if jobID == "" && v >= 7 {
		jobID = strings.ToLower(q.Get("jobId"))
	}
	var jobType, status string
	var lower, upper time.Time
	if v >= 6 {
		jobType = q.Get("jobType")
		lower, _ = time.Parse(time.RFC3339Nano, q.Get("endTimeLowerBound"))
	}
	if v >= 7 {
		upper, _ = time.Parse(time.RFC3339Nano, q.Get("endTimeUpperBound"))
	}
	if v >= 8 {
		status = q.Get("status")
		if status == "Succeeded" {
			status = "Success"
		}
	}
	var matched []*session
	for _, ss := range s.data.sessions {
		st := ss.at(now)
		switch {
		case ss.created.After(now),
			jobID != "" && ss.job.id != jobID,
			jobType != "" && (jobType == "Copy") != ss.job.copy,
			status != "" && st.status != status,
			!lower.IsZero() && ss.created.Before(lower),
			!upper.IsZero() && ss.created.After(upper):
			continue
		}
		matched = append(matched, ss)
	}
	if v <= 4 {
		out := make([]obj, len(matched))
		for i, ss := range matched {
			out[i] = s.sessionJSON(ss)
		}
		s.writeJSON(w, out)
		return
	}
	offset, limit := paging(q)
	var out []obj
	for _, ss := range window(matched, offset, limit) {
		out = append(out, s.sessionJSON(ss))
	}
	path := "/JobSessions"
	if jobID != "" && v <= 6 {
		path = "/Jobs/" + jobID + "/JobSessions"
	}
	s.writeJSON(w, s.page(path, q, offset, limit, len(matched), out))
}

func (s *Server) listJobs(w http.ResponseWriter, q url.Values) {
	if s.opts.Version <= 7 {
		out := make([]obj, len(s.data.jobs))
		for i, j := range s.data.jobs {
			out[i] = s.jobJSON(j)
		}
		s.writeJSON(w, out)
		return
	}
	offset, limit := paging(q)
	var out []obj
	for _, j := range window(s.data.jobs, offset, limit) {
		out = append(out, s.jobJSON(j))
	}
	s.writeJSON(w, s.page("/Jobs", q, offset, limit, len(s.data.jobs), out))
}

// logLines builds a session's log as of now; a live session's log grows.
func (s *Server) logLines(ss *session) []obj {
	v := s.opts.Version
	st := ss.at(s.opts.Now())
	n := ss.logLines
	if st.status == "Running" {
		n = 1 + int(float64(n-2)*st.fraction)
	}
	type line struct{ kind, text string }
	lines := make([]line, 0, n)
	lines = append(lines, line{"Success", "Job started at " + ss.created.In(serverZone).Format("02/01/2006 3:04:05 PM")})
	lines = append(lines, line{"Success", "Connected to organization"})
	for i := 2; len(lines) < n-1 || (st.status == "Running" && len(lines) < n); i++ {
		if i == ss.warningItem {
			lines = append(lines, line{"Warning", fmt.Sprintf("Processing mailbox user%02d@contoso.onmicrosoft.com finished with warning: 3 items skipped", i)})
			continue
		}
		lines = append(lines, line{"Success", fmt.Sprintf("Processing mailbox user%02d@contoso.onmicrosoft.com", i)})
	}
	if v >= 7 && st.status != "Running" { // what went wrong with each object, by its name
		for _, p := range s.processedObjects(ss) {
			switch p.status {
			case "Warning":
				lines = append(lines, line{"Warning", fmt.Sprintf("Processing %s %s finished with warning: 3 items were skipped (too large)", strings.ToLower(p.member.kind), p.member.name)})
			case "Failed":
				lines = append(lines, line{"Failed", fmt.Sprintf("Processing %s %s failed: the object is not accessible (access denied)", strings.ToLower(p.member.kind), p.member.name)})
			}
		}
	}
	if st.status != "Running" {
		final := map[string]line{
			"Success": {"Success", "Job finished successfully"},
			"Warning": {"Warning", "Job finished with warning"},
			"Failed":  {"Failed", "Job failed: Connection to the organization was lost"},
			"Stopped": {"Stopped", "Job stopped by user"},
		}[st.status]
		lines = append(lines, final)
	}
	out := make([]obj, len(lines))
	step := ss.duration / time.Duration(ss.logLines+1)
	for i, l := range lines {
		id := uuidFor(fmt.Sprintf("%s-log-%d", ss.id, i))
		start := ss.created.Add(time.Duration(i) * step)
		end := start.Add(step / 2)
		ts := timeText
		if v <= 5 {
			ts = localTimeText
		}
		o := obj{{"id", id}, {"usn", int64(i + 1)}}
		if v >= 8 {
			kind := map[string]string{"Failed": "Error", "Stopped": "Stop"}[l.kind]
			if kind == "" {
				kind = l.kind
			}
			o = append(o, kv{"type", kind}, kv{"message", l.text})
		} else {
			o = append(o, kv{"title", "[" + l.kind + "] " + l.text})
		}
		o = append(o, kv{"creationTime", ts(start)}, kv{"endTime", ts(end)}, kv{"_links", obj{
			{"self", link(s.href("/JobSessions/" + ss.id + "/LogItems/" + id))},
			{"jobsessions", link(s.href("/JobSessions/" + ss.id))},
		}})
		out[i] = o
	}
	return out
}

func (s *Server) listLog(w http.ResponseWriter, q url.Values, sessionID string) {
	ss := s.data.byID[sessionID]
	if ss == nil {
		s.fail(w, http.StatusNotFound, "ResourceNotFound", "Job session with the specified ID was not found.")
		return
	}
	lines := s.logLines(ss)
	if s.opts.Version >= 8 {
		if t := q.Get("type"); t != "" {
			var kept []obj
			for _, l := range lines {
				if l[2].v == t {
					kept = append(kept, l)
				}
			}
			lines = kept
		}
		if q.Get("orderAsc") == "false" {
			reverse(lines)
		}
	}
	offset, limit := paging(q)
	s.writeJSON(w, s.page("/JobSessions/"+sessionID+"/LogItems", q, offset, limit, len(lines), window(lines, offset, limit)))
}
