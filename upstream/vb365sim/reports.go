package vb365sim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Reports (v6+; OneDrive, SharePoint and Teams protection v8): generated
// from the estate as deterministic files, CSV as a table, PDF as a
// document whose text is the same table.

var reportRoutes = map[string]struct {
	since  int
	title  string
	period bool
}{
	"generatelicenseoverview":      {6, "License overview", true},
	"generatestorageconsumption":   {6, "Storage consumption", true},
	"generatemailboxprotection":    {6, "Mailbox protection", false},
	"generateuserprotection":       {6, "User protection", false},
	"generateonedriveprotection":   {8, "OneDrive protection", false},
	"generatesharepointprotection": {8, "SharePoint protection", false},
	"generateteamsprotection":      {8, "Teams protection", false},
}

// serveReports answers the report routes; false: not one of them.
func (s *Server) serveReports(w http.ResponseWriter, r *http.Request, parts []string) bool {
	route, ok := reportRoutes[strings.Join(parts[1:], "/")]
	if r.Method != http.MethodPost || len(parts) != 2 || parts[0] != "reports" || !ok || s.opts.Version < route.since {
		return false
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	s.record(r, body)
	var options struct {
		StartTime, EndTime *time.Time
		Format             string
		OrganizationID     string
	}
	bad := func(message string) bool {
		s.fail(w, http.StatusBadRequest, "ParameterValidationFailure", message)
		return true
	}
	if json.Unmarshal(body, &options) != nil {
		return bad("The request body is not valid.")
	}
	format := strings.ToUpper(options.Format)
	switch {
	case route.since == 8 && format == "":
		format = "PDF"
	case format != "PDF" && format != "CSV":
		return bad("The report format is not specified.")
	case route.period && (options.StartTime == nil || options.EndTime == nil || !options.EndTime.After(*options.StartTime)):
		return bad("The reporting interval is not valid.")
	}
	s.dataMu.RLock()
	rows := s.reportRows(route.title, options.OrganizationID)
	s.dataMu.RUnlock()
	if rows == nil {
		s.fail(w, http.StatusNotFound, "ResourceNotFound", "Organization with the specified ID was not found.")
		return true
	}
	var out strings.Builder
	if format == "PDF" {
		out.WriteString("%PDF-1.4\n% " + route.title + " report (Veeam Backup for Microsoft 365 simulator)\n")
	}
	for _, row := range rows {
		if format == "PDF" {
			out.WriteString("% ")
		}
		out.WriteString(strings.Join(row, ",") + "\n")
	}
	if format == "PDF" {
		out.WriteString("%%EOF\n")
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	_, _ = io.WriteString(w, out.String())
	return true
}

// reportRows is a report's table: a row per organization, or per user of
// one (nil: no such organization).
func (s *Server) reportRows(title, orgID string) [][]string {
	rows := [][]string{{"Organization", "Object", "Protected"}}
	for _, o := range s.data.orgs {
		if orgID != "" && o.id != orgID {
			continue
		}
		if !strings.Contains(title, "protection") {
			rows = append(rows, []string{o.name, fmt.Sprint(len(s.data.directory[o.id])), "-"})
			continue
		}
		for _, m := range s.data.directory[o.id] {
			if m.kind == "User" {
				mailbox, _, oneDrive := s.heldParts(m)
				rows = append(rows, []string{o.name, m.name, fmt.Sprint(mailbox || oneDrive)})
			}
		}
	}
	if len(rows) == 1 && orgID != "" {
		return nil
	}
	return rows
}
