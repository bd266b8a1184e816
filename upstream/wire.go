package upstream

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// This file decodes the upstream's JSON, whatever the version: numbers that
// arrive as strings, dates with 6 or 7 fractional digits and any offset,
// collections that are bare arrays (v3/v4) or {offset, limit, results} pages.

// flexInt64 accepts 123, "123" and null.
type flexInt64 struct {
	Value int64
	Set   bool
}

func (n *flexInt64) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	if v, ok := plainInt(b); ok {
		n.Value, n.Set = v, true
		return nil
	}
	s := string(b)
	if len(s) >= 2 && s[0] == '"' {
		unq, err := strconv.Unquote(s)
		if err != nil {
			return err
		}
		s = strings.TrimSpace(unq)
		if s == "" {
			return nil
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		// Some builds send rates as decimals; keep the integer part.
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil {
			return fmt.Errorf("not a number: %.40q", s)
		}
		v = int64(f)
	}
	n.Value, n.Set = v, true
	return nil
}

// plainInt reads the common case, a small integer or a quoted one, without
// allocating: a 50-session page holds some 900 of them.
func plainInt(b []byte) (int64, bool) {
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		b = b[1 : len(b)-1]
	}
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	neg := b[0] == '-'
	if neg {
		b = b[1:]
		if len(b) == 0 {
			return 0, false
		}
	}
	var v int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	if neg {
		v = -v
	}
	return v, true
}

func (n flexInt64) intPtr() *int {
	if !n.Set {
		return nil
	}
	v := int(n.Value)
	return &v
}

func (n flexInt64) int64Ptr() *int64 {
	if !n.Set {
		return nil
	}
	v := n.Value
	return &v
}

// flexTime accepts ISO-8601 with or without fraction and offset, and null.
// The zero date some servers send for "never" ("0001-01-01T00:00:00") is
// treated as absent.
type flexTime struct {
	Value time.Time
	Set   bool
}

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999", // no offset: the server's UTC
	time.RFC1123,
}

func parseTime(s string) (time.Time, error) {
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("not a date: %.40q", s)
}

func (t *flexTime) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	var s string
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' && bytes.IndexByte(b, '\\') < 0 {
		s = string(b[1 : len(b)-1]) // no escapes: the string is its bytes
	} else if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	if s == "" {
		return nil
	}
	v, err := parseTime(s)
	if err != nil {
		return err
	}
	if v.Year() <= 1 {
		return nil
	}
	t.Value, t.Set = v, true
	return nil
}

func (t flexTime) ptr() *time.Time {
	if !t.Set {
		return nil
	}
	v := t.Value
	return &v
}

type wireLink struct {
	Href string `json:"href"`
}

type wireLinks map[string]wireLink

type wireStatistics struct {
	ProcessingRateBytesPS flexInt64 `json:"processingRateBytesPS"`
	ProcessingRateItemsPS flexInt64 `json:"processingRateItemsPS"`
	ReadRateBytesPS       flexInt64 `json:"readRateBytesPS"`
	WriteRateBytesPS      flexInt64 `json:"writeRateBytesPS"`
	TransferredDataBytes  flexInt64 `json:"transferredDataBytes"`
	ProcessedObjects      flexInt64 `json:"processedObjects"`
	Bottleneck            string    `json:"bottleneck"`
}

type wireSession struct {
	ID               string          `json:"id"`
	JobID            *string         `json:"jobId"`
	RepositoryID     *string         `json:"repositoryId"`
	MainSessionID    *string         `json:"mainSessionId"`
	ProxyID          *string         `json:"proxyId"`
	ProxyPoolID      *string         `json:"proxyPoolId"`
	Details          *string         `json:"details"`
	CreationTime     flexTime        `json:"creationTime"`
	EndTime          flexTime        `json:"endTime"`
	RetryCount       flexInt64       `json:"retryCount"`
	JobWillBeRetried *bool           `json:"jobWillBeRetried"`
	Progress         flexInt64       `json:"progress"`
	JobType          *string         `json:"jobType"`
	ConfigType       *string         `json:"jobSessionConfigType"`
	Status           string          `json:"status"`
	Statistics       *wireStatistics `json:"statistics"`
	ETag             flexInt64       `json:"eTag"`
	Links            wireLinks       `json:"_links"`
}

type wireSchedule struct {
	Type                      *string   `json:"type"`
	ScheduleEnabled           *bool     `json:"scheduleEnabled"`
	BackupWindowEnabled       *bool     `json:"backupWindowEnabled"`
	PeriodicallyEvery         *string   `json:"periodicallyEvery"`
	PeriodicallyOffsetMinutes flexInt64 `json:"periodicallyOffsetMinutes"`
	DailyType                 *string   `json:"dailyType"`
	DailyTime                 *string   `json:"dailyTime"`
	RetryEnabled              *bool     `json:"retryEnabled"`
	RetryNumber               flexInt64 `json:"retryNumber"`
	RetryWaitInterval         flexInt64 `json:"retryWaitInterval"`
}

type wireJob struct {
	ID             string        `json:"id"`
	Name           string        `json:"name"`
	Description    *string       `json:"description"`
	BackupType     *string       `json:"backupType"`
	IsEnabled      *bool         `json:"isEnabled"`
	LastRun        flexTime      `json:"lastRun"`
	NextRun        flexTime      `json:"nextRun"`
	LastBackup     flexTime      `json:"lastBackup"`
	LastStatus     *string       `json:"lastStatus"`
	OrganizationID *string       `json:"organizationId"`
	RepositoryID   *string       `json:"repositoryId"`
	SchedulePolicy *wireSchedule `json:"schedulePolicy"`
	ETag           flexInt64     `json:"eTag"`
	Links          wireLinks     `json:"_links"`
}

type wireLogItem struct {
	ID           string    `json:"id"`
	Usn          flexInt64 `json:"usn"`
	Title        *string   `json:"title"`
	Type         *string   `json:"type"`
	Message      *string   `json:"message"`
	CreationTime flexTime  `json:"creationTime"`
	EndTime      flexTime  `json:"endTime"`
	Links        wireLinks `json:"_links"`
}

// wirePage is the v5+ envelope; v3/v4 collections are bare arrays.
type wirePage[T any] struct {
	Offset     flexInt64 `json:"offset"`
	Limit      flexInt64 `json:"limit"`
	TotalCount flexInt64 `json:"totalCount"`
	Results    []T       `json:"results"`
	Links      wireLinks `json:"_links"`
	SetID      string    `json:"setId"`
}

var errNoResults = errors.New(`collection has no "results"`)

// decodeCollection reads either a bare JSON array or a page envelope.
func decodeCollection[T any](body []byte) (wirePage[T], error) {
	var p wirePage[T]
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '[' {
		if err := decodeJSON(trimmed, &p.Results); err != nil {
			return p, err
		}
		return p, nil
	}
	if err := decodeJSON(trimmed, &p); err != nil {
		return p, err
	}
	if p.Results == nil {
		return p, errNoResults
	}
	return p, nil
}

var statuses = []SessionStatus{StatusStopped, StatusRunning, StatusSuccess, StatusFailed,
	StatusWarning, StatusNotConfigured, StatusDisconnected, StatusQueued}

// knownStatus matches without case: v3 docs show "success".
func knownStatus(s string) SessionStatus { return oneOf(s, StatusUnknown, statuses...) }

// oneOf maps s onto one of the known values (ignoring case) or onto unknown.
func oneOf[T ~string](s string, unknown T, known ...T) T {
	for _, k := range known {
		if strings.EqualFold(s, string(k)) {
			return k
		}
	}
	return unknown
}

func optOneOf[T ~string](s *string, unknown T, known ...T) *T {
	if s == nil {
		return nil
	}
	v := oneOf(*s, unknown, known...)
	return &v
}

func (w *wireSession) model() JobSession {
	s := JobSession{
		ID:               w.ID,
		JobID:            w.JobID,
		RepositoryID:     w.RepositoryID,
		MainSessionID:    w.MainSessionID,
		ProxyID:          w.ProxyID,
		ProxyPoolID:      w.ProxyPoolID,
		Details:          w.Details,
		CreationTime:     w.CreationTime.Value,
		EndTime:          w.EndTime.ptr(),
		RetryCount:       w.RetryCount.intPtr(),
		JobWillBeRetried: w.JobWillBeRetried,
		Progress:         int(w.Progress.Value),
		JobType:          optOneOf(w.JobType, JobTypeUnknown, JobTypeBackup, JobTypeCopy),
		ConfigType:       optOneOf(w.ConfigType, ConfigUnknown, ConfigFull, ConfigIncremental),
		Status:           knownStatus(w.Status),
		ETag:             w.ETag.int64Ptr(),
	}
	// A running session has no end yet; older servers send its start or the zero date.
	if s.Status == StatusRunning || s.Status == StatusQueued {
		s.EndTime = nil
	}
	if s.JobID == nil || *s.JobID == "" {
		// v3..v7 carry the job only in _links.job.href.
		if l, ok := parseLink(w.Links["job"].Href); ok && l.Resource == "jobs" {
			s.JobID = &l.ID
		} else {
			s.JobID = nil
		}
	}
	if st := w.Statistics; st != nil {
		s.Statistics = &Statistics{
			ProcessingRateBytesPS: st.ProcessingRateBytesPS.Value,
			ProcessingRateItemsPS: st.ProcessingRateItemsPS.Value,
			ReadRateBytesPS:       st.ReadRateBytesPS.Value,
			WriteRateBytesPS:      st.WriteRateBytesPS.Value,
			TransferredDataBytes:  st.TransferredDataBytes.Value,
			ProcessedObjects:      st.ProcessedObjects.Value,
			Bottleneck: oneOf(st.Bottleneck, BottleneckUnknown,
				BottleneckNA, BottleneckDetecting, BottleneckSource, BottleneckTarget),
		}
	}
	return s
}

func (w *wireJob) model() Job {
	j := Job{
		ID:             w.ID,
		Name:           w.Name,
		Description:    w.Description,
		BackupType:     optOneOf(w.BackupType, BackupUnknown, BackupEntireOrganization, BackupSelectedItems),
		IsEnabled:      w.IsEnabled,
		LastRun:        w.LastRun.ptr(),
		NextRun:        w.NextRun.ptr(),
		LastBackup:     w.LastBackup.ptr(),
		OrganizationID: w.OrganizationID,
		RepositoryID:   w.RepositoryID,
		ETag:           w.ETag.int64Ptr(),
	}
	if w.LastStatus != nil {
		st := knownStatus(*w.LastStatus)
		j.LastStatus = &st
	}
	if j.OrganizationID == nil {
		if l, ok := parseLink(w.Links["organization"].Href); ok && l.Resource == "organizations" {
			j.OrganizationID = &l.ID
		}
	}
	if j.RepositoryID == nil {
		if l, ok := parseLink(w.Links["backupRepository"].Href); ok && l.Resource == "backuprepositories" {
			j.RepositoryID = &l.ID
		}
	}
	if p := w.SchedulePolicy; p != nil {
		j.SchedulePolicy = &SchedulePolicy{
			Type:                      optOneOf(p.Type, ScheduleUnknown, SchedulePeriodically, ScheduleDaily, ScheduleManualOnly),
			ScheduleEnabled:           p.ScheduleEnabled,
			BackupWindowEnabled:       p.BackupWindowEnabled,
			PeriodicallyEvery:         p.PeriodicallyEvery,
			PeriodicallyOffsetMinutes: p.PeriodicallyOffsetMinutes.intPtr(),
			DailyType:                 p.DailyType,
			DailyTime:                 p.DailyTime,
			RetryEnabled:              p.RetryEnabled,
			RetryNumber:               p.RetryNumber.intPtr(),
			RetryWaitInterval:         p.RetryWaitInterval.intPtr(),
		}
	}
	return j
}

var logTypes = []LogItemType{LogRunning, LogWarning, LogError, LogSuccess, LogStop}

// model gives both forms of a log line: v8 sends type+message, earlier
// versions a title with a "[Status] " prefix.
func (w *wireLogItem) model(sessionID string) LogItem {
	it := LogItem{
		ID:           w.ID,
		SessionID:    sessionID,
		Usn:          w.Usn.Value,
		CreationTime: w.CreationTime.Value,
		EndTime:      w.EndTime.ptr(),
	}
	switch {
	case w.Type != nil || w.Message != nil:
		if w.Type != nil {
			it.Type = oneOf(*w.Type, LogUnknown, logTypes...)
		} else {
			it.Type = LogUnknown
		}
		if w.Message != nil {
			it.Message = *w.Message
		}
		if w.Title != nil {
			it.Title = *w.Title
		} else {
			it.Title = "[" + string(it.Type) + "] " + it.Message
		}
	case w.Title != nil:
		it.Title = *w.Title
		it.Type, it.Message = splitTitle(*w.Title)
	default:
		it.Type = LogUnknown
	}
	return it
}

// splitTitle turns "[Warning] Item skipped" into (Warning, "Item skipped").
// v3..v7 use the session status names in the prefix, so "Failed" is an error.
func splitTitle(title string) (LogItemType, string) {
	if !strings.HasPrefix(title, "[") {
		return LogUnknown, title
	}
	end := strings.IndexByte(title, ']')
	if end < 0 {
		return LogUnknown, title
	}
	tag, msg := title[1:end], strings.TrimSpace(title[end+1:])
	if strings.EqualFold(tag, "Failed") {
		return LogError, msg
	}
	if strings.EqualFold(tag, "Stopped") {
		return LogStop, msg
	}
	return oneOf(tag, LogUnknown, logTypes...), msg
}

// deref is *p, or the zero value for nil.
func deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}
