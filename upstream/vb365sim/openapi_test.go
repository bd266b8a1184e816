package vb365sim_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/vb365-graphql/vb365-graphql/upstream"
	"github.com/vb365-graphql/vb365-graphql/upstream/vb365sim"
)

// loadSpec reads Veeam's official OpenAPI file of a version, kept gzipped in
// testdata/openapi (see the README there).
func loadSpec(t *testing.T, version int) *openapi3.T {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "openapi", fmt.Sprintf("vb365_rest_v%d.json.gz", version)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatalf("the OpenAPI file of v%d: %v", version, err)
	}
	return doc
}

// validator checks every request that reaches the simulator and every answer
// it gives against Veeam's OpenAPI file: the client must ask as the real
// server expects, and the simulator must answer as the real server does.
type validator struct {
	report func(format string, args ...any)
	router routers.Router
	next   http.Handler

	mu      sync.Mutex
	checked map[string]int // route -> answers validated
}

func (v *validator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	route, params, err := v.router.FindRoute(r)
	if err != nil {
		v.report("%s %s: not a route of the OpenAPI file: %v", r.Method, r.URL.Path, err)
		v.next.ServeHTTP(w, r)
		return
	}
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true, IncludeResponseStatus: true}
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route, Options: opts}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		v.report("request %s %s does not follow the OpenAPI file: %v", r.Method, r.URL, err)
	}
	rec := httptest.NewRecorder()
	v.next.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	outOpts := *opts
	// A file (an export) is bytes: the file's "type: object" for it says
	// nothing a validator can check; its status and content type still are.
	outOpts.ExcludeResponseBody = rec.Header().Get("Content-Type") == "application/octet-stream"
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: rec.Code, Header: rec.Header(), Options: &outOpts}
	out.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		v.report("answer to %s %s (HTTP %d) does not follow the OpenAPI file: %v\nbody: %.600s", r.Method, r.URL, rec.Code, err, body)
	}
	v.mu.Lock()
	v.checked[route.Method+" "+route.Path]++
	v.mu.Unlock()
	for k, vs := range rec.Header() {
		w.Header()[k] = vs
	}
	w.WriteHeader(rec.Code)
	_, _ = io.Copy(w, bytes.NewReader(body))
}

func TestSimulatorAndClientFollowTheOpenAPIFiles(t *testing.T) {
	t.Parallel()
	for _, version := range []int{6, 7, 8} {
		t.Run(fmt.Sprintf("v%d", version), func(t *testing.T) {
			doc := loadSpec(t, version)
			var err error
			anchor := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
			sim := vb365sim.New(vb365sim.Options{Version: version, Anchor: anchor, Now: func() time.Time { return anchor }})
			v := &validator{report: t.Errorf, next: sim, checked: map[string]int{}}
			ts := httptest.NewServer(v)
			defer ts.Close()
			doc.Servers = openapi3.Servers{{URL: ts.URL}}
			if v.router, err = gorillamux.NewRouter(doc); err != nil {
				t.Fatal(err)
			}

			opts := upstream.DefaultOptions(ts.URL, version)
			opts.Username, opts.Password = sim.Credentials()
			c, err := upstream.New(opts)
			if err != nil {
				t.Fatal(err)
			}
			ctx, s := context.Background(), c.NewScope("")
			ids := sim.SessionIDs()
			live := sim.LiveSessionIDs()[0]
			monthAgo, yes := anchor.Add(-30*24*time.Hour), true
			job := sim.JobOf(ids[3])
			calls := []func() error{
				func() error { _, err := c.JobSession(ctx, s, ids[3]); return err },
				func() error { _, err := c.JobSession(ctx, s, live); return err },
				func() error {
					_, err := c.JobSessions(ctx, s, upstream.SessionFilter{}, upstream.PageRequest{Offset: 30, Limit: 30})
					return err
				},
				func() error {
					_, err := c.JobSessions(ctx, s, upstream.SessionFilter{JobID: job}, upstream.PageRequest{Limit: 10})
					return err
				},
				func() error { _, err := c.Job(ctx, s, job); return err },
				func() error { _, err := c.Jobs(ctx, s); return err },
				func() error { _, err := c.LogItems(ctx, s, ids[3], upstream.PageRequest{Limit: 30}); return err },
				func() error { _, err := c.LogItems(ctx, s, live, upstream.PageRequest{Limit: 30}); return err },
				func() error { _, err := c.License(ctx, s); return err },
				func() error {
					_, err := c.LicensedUsers(ctx, s, upstream.LicensedUserFilter{OrganizationID: sim.OrganizationIDs()[1]}, upstream.PageRequest{Limit: 5})
					return err
				},
				func() error { _, err := c.ServiceInstance(ctx, s); return err },
				func() error { _, err := c.Proxies(ctx, s); return err },
				func() error { _, err := c.CopyJobs(ctx, s); return err },
				func() error {
					orgs, err := c.Organizations(ctx, s)
					if err != nil {
						return err
					}
					var ids []string
					for _, o := range orgs {
						ids = append(ids, o.ID)
					}
					if _, errs := c.OrganizationLicensing(ctx, s, ids); errors.Join(errs...) != nil {
						return errors.Join(errs...)
					}
					_, errs := c.RepositoryUsage(ctx, s, ids)
					return errors.Join(errs...)
				},
				func() error { _, err := c.BackupRepositories(ctx, s); return err },
			}
			restores := sim.RestoreSessionIDs()
			calls = append(calls,
				func() error {
					_, err := c.RestoreSessions(ctx, s, upstream.RestoreSessionFilter{StartedAfter: &monthAgo}, upstream.PageRequest{Limit: 10})
					return err
				},
				func() error { _, err := c.RestoreSession(ctx, s, restores[3]); return err },
				func() error { _, err := c.RestoreSession(ctx, s, restores[0]); return err },
				func() error {
					_, err := c.RestoreEvents(ctx, s, restores[0], upstream.PageRequest{Limit: 30})
					return err
				},
				func() error {
					_, err := c.RestoreEvents(ctx, s, restores[3], upstream.PageRequest{Limit: 30})
					return err
				},
				func() error {
					_, err := c.RestorePoints(ctx, s, upstream.RestorePointFilter{JobID: job, After: &monthAgo}, upstream.PageRequest{Limit: 10})
					return err
				},
				func() error {
					_, err := c.RestorePoints(ctx, s, upstream.RestorePointFilter{OrganizationID: sim.OrganizationIDs()[0], Copy: &yes}, upstream.PageRequest{Limit: 10})
					return err
				})
			// The directory, each kind with and without filters (a walk of
			// pages carries the listing's set), and what the repositories hold.
			org := sim.OrganizationIDs()[0]
			cloud := upstream.InCloudOrHybrid
			for _, kind := range []upstream.ObjectType{upstream.ObjectUser, upstream.ObjectGroup, upstream.ObjectSite, upstream.ObjectTeam} {
				calls = append(calls, func() error {
					first, err := c.Directory(ctx, s, org, kind, upstream.DirectoryFilter{}, upstream.PageRequest{Limit: 2})
					if err != nil {
						return err
					}
					if _, err := c.Directory(ctx, s, org, kind, upstream.DirectoryFilter{}, upstream.PageRequest{Offset: 2, Limit: 2, SetID: first.SetID}); err != nil {
						return err
					}
					source := upstream.DataSource("")
					if version >= 7 {
						source = upstream.Production
					}
					_, err = c.Directory(ctx, s, org, kind, upstream.DirectoryFilter{DisplayName: "e", Location: &cloud, Source: source}, upstream.PageRequest{Limit: 5})
					if kind == upstream.ObjectUser || kind == upstream.ObjectGroup {
						_, err = c.Directory(ctx, s, org, kind, upstream.DirectoryFilter{Name: "0", Location: &cloud}, upstream.PageRequest{Limit: 5})
					}
					if kind == upstream.ObjectSite {
						_, err = c.Directory(ctx, s, org, kind, upstream.DirectoryFilter{DisplayName: "r", IncludePersonalSites: true}, upstream.PageRequest{Limit: 5})
					}
					return err
				})
			}
			calls = append(calls,
				func() error {
					_, err := c.GroupMembers(ctx, s, org, sim.DirectoryIDs(org, "Group")[0], upstream.PageRequest{Limit: 5})
					return err
				},
				func() error {
					users := sim.DirectoryIDs(org, "User")
					_, errs := c.OneDrives(ctx, s, []upstream.ObjectRef{{OrganizationID: org, ID: users[0]}, {OrganizationID: org, ID: users[len(users)-1]}})
					return errors.Join(errs...)
				},
				func() error {
					for _, kind := range []upstream.ObjectType{upstream.ObjectUser, upstream.ObjectGroup, upstream.ObjectSite, upstream.ObjectTeam} {
						if _, err := c.Protections(ctx, s, org, kind); err != nil {
							return err
						}
					}
					for _, repo := range sim.RepositoryIDs() {
						if _, err := c.OrganizationData(ctx, s, repo, upstream.PageRequest{Limit: 5}); err != nil {
							return err
						}
						if _, err := c.BackedUpOrganizations(ctx, s, repo, upstream.PageRequest{Limit: 5}); err != nil {
							return err
						}
					}
					return nil
				})
			if version >= 7 {
				calls = append(calls, func() error {
					failed := upstream.ObjectFailed
					for _, id := range ids[:40] {
						page, err := c.ProcessedObjects(ctx, s, id, upstream.ProcessedObjectFilter{}, upstream.PageRequest{Limit: 5})
						if err != nil {
							return err
						}
						if _, err := c.ProcessedObjects(ctx, s, id, upstream.ProcessedObjectFilter{Status: &failed}, upstream.PageRequest{Limit: 5}); err != nil {
							return err
						}
						var refs []upstream.ObjectRef
						for _, o := range page.Items {
							refs = append(refs, upstream.ObjectRef{OrganizationID: *o.OrganizationID, Type: o.Type, ID: o.ID})
						}
						if _, errs := c.OrganizationObjects(ctx, s, refs); errors.Join(errs...) != nil {
							return errors.Join(errs...)
						}
					}
					return nil
				})
			}
			// Restore points by id, and the tenant's hygiene: reads, then the
			// operator's actions.
			calls = append(calls,
				func() error {
					page, err := c.RestorePoints(ctx, s, upstream.RestorePointFilter{}, upstream.PageRequest{Limit: 1})
					if err != nil || len(page.Items) == 0 {
						return fmt.Errorf("no restore point: %v", err)
					}
					_, errs := c.RestorePointsByID(ctx, s, []string{page.Items[0].ID})
					return errs[0]
				},
				func() error { _, err := c.LicenseAutoUpdate(ctx, s); return err },
				func() error { _, err := c.RestorePortalSettings(ctx, s); return err },
				func() error {
					_, _, err := c.SynchronizeRepository(ctx, c.NewScope(""), sim.RepositoryIDs()[0])
					return err
				},
				func() error {
					page, err := c.LicensedUsers(ctx, s, upstream.LicensedUserFilter{}, upstream.PageRequest{Limit: 1})
					if err != nil || len(page.Items) == 0 {
						return fmt.Errorf("no licensed user: %v", err)
					}
					_, err = c.RevokeLicense(ctx, c.NewScope(""), page.Items[0].ID)
					return err
				})
			for _, j := range sim.JobIDs()[:4] {
				for _, excluded := range []bool{false, true} {
					calls = append(calls, func() error {
						first, err := c.JobItems(ctx, s, j, org, excluded, upstream.PageRequest{Limit: 2})
						if err != nil || !first.HasMore {
							return err
						}
						_, err = c.JobItems(ctx, s, j, org, excluded, upstream.PageRequest{Offset: 2, Limit: 2, SetID: first.SetID})
						return err
					})
				}
			}
			calls = append(calls, func() error {
				rs, _, err := c.OpenRestoreSession(ctx, c.NewScope(""), org, upstream.ExploreExchange, upstream.ExploreOptions{PointInTime: &monthAgo, ShowDeleted: true})
				if err != nil {
					return err
				}
				mailboxes, err := c.Mailboxes(ctx, s, rs.ID, upstream.PageRequest{Limit: 3})
				if err != nil || len(mailboxes.Items) == 0 {
					return fmt.Errorf("mailboxes: %v", err)
				}
				mb := mailboxes.Items[0].ID
				if one, err := c.MailboxByID(ctx, s, rs.ID, mb); err != nil || one.Email != mailboxes.Items[0].Email {
					return fmt.Errorf("mailbox by id: %v %v", one, err)
				}
				folders, err := c.MailFolders(ctx, s, rs.ID, mb, "", upstream.PageRequest{Limit: 10})
				if err != nil || len(folders.Items) == 0 {
					return fmt.Errorf("folders: %v", err)
				}
				if _, err := c.MailFolders(ctx, s, rs.ID, mb, folders.Items[0].ID, upstream.PageRequest{Limit: 10}); err != nil {
					return err
				}
				first, err := c.MailItems(ctx, s, rs.ID, mb, folders.Items[0].ID, upstream.PageRequest{Limit: 5})
				if err != nil {
					return err
				}
				if _, err := c.MailItems(ctx, s, rs.ID, mb, folders.Items[0].ID, upstream.PageRequest{Offset: 5, Limit: 5, SetID: first.SetID}); err != nil {
					return err
				}
				items := []string{first.Items[0].ID, first.Items[1].ID}
				for _, in := range []string{"", folders.Items[0].ID} {
					found, err := c.SearchMailItems(ctx, s, rs.ID, mb, in, "subject:message", upstream.PageRequest{Limit: 3})
					if err != nil || len(found.Items) == 0 {
						return fmt.Errorf("search (folder %q): %v %v", in, found, err)
					}
				}
				user, password := vb365sim.RestoreAccount()
				account := upstream.Credentials{Username: user, Password: password}
				if _, _, err := c.RestoreMailItems(ctx, c.NewScope(""), rs.ID, mb, upstream.MailRestore{Items: items, Account: account}); err != nil {
					return fmt.Errorf("restore: %w", err)
				}
				code, err := c.RestoreDeviceCode(ctx, c.NewScope(""), rs.ID)
				if err != nil {
					return fmt.Errorf("device code: %w", err)
				}
				elsewhere := upstream.MailRestore{Items: items, DeviceCode: code.UserCode, Mailbox: "legal@contoso.example", Folder: "INC-1", MarkUnread: true}
				if _, _, err := c.RestoreMailItems(ctx, c.NewScope(""), rs.ID, mb, elsewhere); err != nil {
					return fmt.Errorf("restore to: %w", err)
				}
				for _, to := range []string{"", "legal@contoso.example"} {
					if _, err := c.SendMailItems(ctx, c.NewScope(""), rs.ID, mb, upstream.MailSending{Items: items, From: "helpdesk@contoso.example", To: to, Subject: "INC-1", Text: "As asked."}); err != nil {
						return fmt.Errorf("send to %q: %w", to, err)
					}
				}
				pst, err := c.ExportMailItems(ctx, c.NewScope(""), rs.ID, mb, items)
				if err != nil {
					return fmt.Errorf("export: %w", err)
				}
				n, err := io.Copy(io.Discard, pst)
				pst.Close()
				if err != nil || n == 0 {
					return fmt.Errorf("export: %d bytes, %v", n, err)
				}
				_, err = c.CloseRestoreSession(ctx, c.NewScope(""), rs.ID)
				return err
			}, func() error {
				rs, _, err := c.OpenRestoreSession(ctx, c.NewScope(""), org, upstream.ExploreSharePoint, upstream.ExploreOptions{})
				if err != nil {
					return err
				}
				sites, err := c.SessionSites(ctx, s, rs.ID, upstream.PageRequest{Limit: 3})
				if err != nil || len(sites.Items) == 0 {
					return fmt.Errorf("sites: %v %v", sites, err)
				}
				site := sites.Items[0].ID
				for _, lists := range []bool{false, true} {
					if got, err := c.SiteContainers(ctx, s, rs.ID, site, lists, upstream.PageRequest{Limit: 10}); err != nil || len(got.Items) == 0 {
						return fmt.Errorf("libraries or lists: %v %v", got, err)
					}
				}
				folders, err := c.SiteEntries(ctx, s, rs.ID, site, upstream.SiteFolders, "", upstream.PageRequest{Limit: 10})
				if err != nil || len(folders.Items) == 0 {
					return fmt.Errorf("site folders: %v %v", folders, err)
				}
				for _, kind := range []upstream.SiteEntryKind{upstream.SiteDocuments, upstream.SiteItems} {
					if got, err := c.SiteEntries(ctx, s, rs.ID, site, kind, "", upstream.PageRequest{Limit: 10}); err != nil || len(got.Items) == 0 {
						return fmt.Errorf("site %s: %v %v", kind, got, err)
					}
				}
				if got, err := c.SiteEntries(ctx, s, rs.ID, site, upstream.SiteDocuments, folders.Items[0].ID, upstream.PageRequest{Limit: 10}); err != nil || len(got.Items) == 0 {
					return fmt.Errorf("a folder's documents: %v %v", got, err)
				}
				_, err = c.CloseRestoreSession(ctx, c.NewScope(""), rs.ID)
				return err
			}, func() error {
				rs, _, err := c.OpenRestoreSession(ctx, c.NewScope(""), org, upstream.ExploreTeams, upstream.ExploreOptions{})
				if err != nil {
					return err
				}
				teams, err := c.SessionTeams(ctx, s, rs.ID, upstream.PageRequest{Limit: 3})
				if err != nil || len(teams.Items) == 0 {
					return fmt.Errorf("teams: %v %v", teams, err)
				}
				team := teams.Items[0].ID
				channels, err := c.TeamChannels(ctx, s, rs.ID, team, upstream.PageRequest{Limit: 10})
				if err != nil || len(channels.Items) == 0 {
					return fmt.Errorf("channels: %v %v", channels, err)
				}
				channel := channels.Items[0].ID
				if got, err := c.TeamPosts(ctx, s, rs.ID, team, channel, upstream.PageRequest{Limit: 10}); err != nil || len(got.Items) == 0 {
					return fmt.Errorf("posts: %v %v", got, err)
				}
				if got, err := c.TeamFiles(ctx, s, rs.ID, team, channel, "", upstream.PageRequest{Limit: 10}); err != nil || len(got.Items) == 0 {
					return fmt.Errorf("files: %v %v", got, err)
				}
				if got, err := c.TeamTabs(ctx, s, rs.ID, team, channel, upstream.PageRequest{Limit: 10}); err != nil || len(got.Items) == 0 {
					return fmt.Errorf("tabs: %v %v", got, err)
				}
				_, err = c.CloseRestoreSession(ctx, c.NewScope(""), rs.ID)
				return err
			}, func() error {
				rs, _, err := c.OpenRestoreSession(ctx, c.NewScope(""), org, upstream.ExploreOneDrive, upstream.ExploreOptions{})
				if err != nil {
					return err
				}
				drives, err := c.SessionOneDrives(ctx, s, rs.ID, upstream.PageRequest{Limit: 3})
				if err != nil || len(drives.Items) == 0 {
					return fmt.Errorf("onedrives: %v", err)
				}
				d := drives.Items[0].ID
				folders, err := c.DriveEntries(ctx, s, rs.ID, d, "", true, upstream.PageRequest{Limit: 10})
				if err != nil || len(folders.Items) == 0 {
					return fmt.Errorf("folders: %v", err)
				}
				documents, err := c.DriveEntries(ctx, s, rs.ID, d, folders.Items[0].ID, false, upstream.PageRequest{Limit: 10})
				if err != nil || len(documents.Items) < 2 {
					return fmt.Errorf("documents: %v %v", documents, err)
				}
				if versions, err := c.DocumentVersions(ctx, s, rs.ID, d, documents.Items[0].ID, upstream.PageRequest{Limit: 10}); err != nil || len(versions.Items) != 3 {
					return fmt.Errorf("versions: %v %v", versions, err)
				}
				two := documents.Items[:2]
				user, password := vb365sim.RestoreAccount()
				restore := upstream.DocumentRestore{Documents: two, Account: upstream.Credentials{Username: user, Password: password}, Overwrite: true}
				if _, _, err := c.RestoreDocuments(ctx, c.NewScope(""), rs.ID, d, restore); err != nil {
					return fmt.Errorf("restore documents: %w", err)
				}
				zip, err := c.SaveDocuments(ctx, c.NewScope(""), rs.ID, d, two)
				if err != nil {
					return fmt.Errorf("save documents: %w", err)
				}
				n, err := io.Copy(io.Discard, zip)
				zip.Close()
				if err != nil || n == 0 {
					return fmt.Errorf("save documents: %d bytes, %v", n, err)
				}
				_, err = c.CloseRestoreSession(ctx, c.NewScope(""), rs.ID)
				return err
			})
			for _, kind := range []upstream.ReportKind{upstream.ReportLicenseOverview, upstream.ReportStorageConsumption, upstream.ReportMailboxProtection,
				upstream.ReportUserProtection, upstream.ReportOneDriveProtection, upstream.ReportSharePointProtection, upstream.ReportTeamsProtection} {
				if kind.PDFOnly() && version < 8 {
					continue
				}
				calls = append(calls, func() error {
					st, err := c.GenerateReport(ctx, c.NewScope(""), upstream.ReportRequest{Kind: kind, Format: "CSV", OrganizationID: org,
						From: monthAgo, To: monthAgo.Add(30 * 24 * time.Hour), TimeZone: "Europe/Berlin"})
					if err != nil {
						return fmt.Errorf("report %s: %w", kind, err)
					}
					defer st.Close()
					_, err = io.Copy(io.Discard, st)
					return err
				})
			}
			if version >= 7 {
				calls = append(calls,
					func() error { _, err := c.SyncState(ctx, s, org); return err },
					func() error { _, err := c.SyncOrganization(ctx, c.NewScope(""), org, upstream.SyncFull); return err },
					func() error { _, err := c.LicenseUsages(ctx, s); return err })
			}
			if version >= 8 {
				calls = append(calls,
					func() error {
						user := &upstream.ObjectRef{OrganizationID: org, Type: upstream.ObjectUser, ID: sim.DirectoryIDs(org, "User")[0]}
						_, err := c.RestorePoints(ctx, s, upstream.RestorePointFilter{Object: user}, upstream.PageRequest{Limit: 5})
						return err
					},
					func() error {
						user, password := sim.ProxyCredentials()
						for _, on := range []bool{true, false} {
							if _, err := c.ProxyMaintenance(ctx, c.NewScope(""), sim.ProxyIDs()[0], on, upstream.Credentials{Username: user, Password: password}); err != nil {
								return err
							}
						}
						return nil
					},
					func() error {
						first, err := c.Events(ctx, c.NewScope(""), "", 0)
						if err != nil {
							return err
						}
						if _, err := c.Act(ctx, c.NewScope(""), upstream.JobRef{ID: sim.JobIDs()[2]}, upstream.ActionStart, false); err != nil {
							return err
						}
						if next, err := c.Events(ctx, c.NewScope(""), first.Next, 0); err != nil || len(next.Items) == 0 {
							return fmt.Errorf("events: %v %v", next, err)
						}
						return nil
					},
					func() error { _, err := c.ProxyPools(ctx, s); return err },
					func() error { _, err := c.Health(ctx, s); return err },
					func() error { _, err := c.RestoreStatistics(ctx, s, restores[0]); return err })
			}
			// Actions: start (and find the session), stop, disable, enable; on a copy job too.
			for _, ref := range []upstream.JobRef{{ID: sim.JobIDs()[5]}, {ID: sim.JobIDs()[11], Copy: true}} {
				for _, a := range []upstream.Action{upstream.ActionStart, upstream.ActionStop, upstream.ActionDisable, upstream.ActionEnable} {
					calls = append(calls, func() error {
						acted, err := c.Act(ctx, c.NewScope(""), ref, a, false)
						if err == nil && a == upstream.ActionStart && acted.Session == nil {
							return fmt.Errorf("started %+v, but no session", ref)
						}
						return err
					})
				}
			}
			for i, call := range calls {
				if err := call(); err != nil {
					t.Errorf("call %d: %v", i, err)
				}
			}
			// The items of the estate's collections one by one, as a client
			// asks for one the listing lacked.
			token := login(t, ts.URL, version, sim)
			for _, path := range append(sim.EstateItemPaths(), append(sim.OrganizationObjectPaths(), "/RestoreSessions/"+restores[1])...) {
				req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/v%d%s", ts.URL, version, path), nil)
				req.Header.Set("Authorization", token)
				if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusOK {
					t.Errorf("GET %s: %v %v", path, resp.StatusCode, err)
				} else {
					resp.Body.Close()
				}
			}
			// Failures are answered in the version's RESTExceptionInfo shape.
			if _, err := c.JobSession(ctx, s, "00000000-0000-0000-0000-000000000000"); upstream.KindOf(err) != upstream.KindNotFound {
				t.Errorf("unknown session: %v", err)
			}
			want := []string{"POST /v%d/token", "GET /v%d/JobSessions/{jobSessionsId}", "GET /v%d/JobSessions",
				"GET /v%d/Jobs/{jobId}", "GET /v%d/Jobs", "GET /v%d/JobSessions/{sessionId}/LogItems",
				"GET /v%d/Organizations", "GET /v%d/Organizations/{organizationId}", "GET /v%d/Organizations/{organizationId}/LicensingInformation",
				"GET /v%d/Organizations/{organizationId}/usedRepositories", "GET /v%d/BackupRepositories", "GET /v%d/BackupRepositories/{repositoryId}",
				"GET /v%d/Proxies", "GET /v%d/Proxies/{proxyId}", "GET /v%d/CopyJobs", "GET /v%d/CopyJobs/{id}",
				"GET /v%d/License", "GET /v%d/LicensedUsers", "GET /v%d/ServiceInstance"}
			if version <= 6 {
				want = append(want, "GET /v%d/Jobs/{jobId}/JobSessions")
			}
			for _, action := range []string{"start", "stop", "enable", "disable"} {
				want = append(want, "POST /v%d/Jobs/{jobId}/"+action, "POST /v%d/CopyJobs/{id}/"+action)
			}
			want = append(want, "GET /v%d/RestoreSessions", "GET /v%d/RestoreSessions/{restoreSessionId}",
				"GET /v%d/RestoreSessions/{restoreSessionId}/Events", "GET /v%d/RestorePoints",
				"GET /v%d/Organizations/{organizationId}/Users/{userId}", "GET /v%d/Organizations/{organizationId}/Groups/{groupId}",
				"GET /v%d/Organizations/{organizationId}/Sites/{siteId}", "GET /v%d/Organizations/{organizationId}/Teams/{teamId}",
				"GET /v%d/Organizations/{organizationId}/Users", "GET /v%d/Organizations/{organizationId}/Groups",
				"GET /v%d/Organizations/{organizationId}/Sites", "GET /v%d/Organizations/{organizationId}/Teams",
				"GET /v%d/Organizations/{organizationId}/Groups/{groupId}/Members", "GET /v%d/Organizations/{organizationId}/Users/{userId}/OneDrives",
				"GET /v%d/BackupRepositories/{repositoryId}/UserData", "GET /v%d/BackupRepositories/{repositoryId}/GroupData",
				"GET /v%d/BackupRepositories/{repositoryId}/SiteData", "GET /v%d/BackupRepositories/{repositoryId}/TeamData",
				"GET /v%d/BackupRepositories/{repositoryId}/OrganizationData", "GET /v%d/BackupRepositories/{repositoryId}/backedupOrganizations")
			want = append(want, "GET /v%d/RestorePoints/{restorePointId}", "GET /v%d/License/AutoUpdate", "GET /v%d/RestorePortalSettings",
				"POST /v%d/BackupRepositories/{repositoryId}/Sync", "DELETE /v%d/LicensedUsers/{licensedUserId}",
				"GET /v%d/Jobs/{jobId}/SelectedItems", "GET /v%d/Jobs/{jobId}/ExcludedItems",
				"POST /v%d/Organizations/{organizationId}/explore", "POST /v%d/RestoreSessions/{restoreSessionId}/Stop",
				"GET /v%d/RestoreSessions/{restoreSessionId}/organization/mailboxes",
				"GET /v%d/RestoreSessions/{restoreSessionId}/organization/mailboxes/{mailboxId}",
				"GET /v%d/RestoreSessions/{restoreSessionId}/organization/mailboxes/{mailboxId}/folders",
				"GET /v%d/RestoreSessions/{restoreSessionId}/organization/mailboxes/{mailboxId}/items",
				"POST /v%d/RestoreSessions/{restoreSessionId}/organization/mailboxes/{mailboxId}/items/restore",
				"POST /v%d/RestoreSessions/{restoreSessionId}/organization/mailboxes/{mailboxId}/search",
				"POST /v%d/RestoreSessions/{restoreSessionId}/organization/mailboxes/{mailboxId}/folders/{folderId}/search",
				"POST /v%d/RestoreSessions/{restoreSessionId}/organization/mailboxes/{mailboxId}/items/exportToPst",
				"POST /v%d/RestoreSessions/{restoreSessionId}/organization/mailboxes/{mailboxId}/items/restoreTo",
				"POST /v%d/RestoreSessions/{restoreSessionId}/organization/mailboxes/{mailboxId}/items/sendToDefaultAddress",
				"POST /v%d/RestoreSessions/{restoreSessionId}/organization/mailboxes/{mailboxId}/items/sendToDifferentAddress",
				"POST /v%d/RestoreSessions/{restoreSessionId}/organization/restoreDeviceCode",
				"POST /v%d/Reports/GenerateLicenseOverview", "POST /v%d/Reports/GenerateStorageConsumption",
				"POST /v%d/Reports/GenerateMailboxProtection", "POST /v%d/Reports/GenerateUserProtection",
				"GET /v%d/RestoreSessions/{restoreSessionId}/Organization/OneDrives",
				"GET /v%d/RestoreSessions/{restoreSessionId}/Organization/OneDrives/{oneDriveId}/Folders",
				"GET /v%d/RestoreSessions/{restoreSessionId}/Organization/OneDrives/{oneDriveId}/Documents",
				"POST /v%d/RestoreSessions/{restoreSessionId}/Organization/OneDrives/{oneDriveId}/Documents/restore",
				"POST /v%d/RestoreSessions/{restoreSessionId}/Organization/OneDrives/{oneDriveId}/Documents/save",
				"GET /v%d/RestoreSessions/{restoreSessionId}/Organization/OneDrives/{oneDriveId}/Documents/{documentId}/Versions",
				"GET /v%d/RestoreSessions/{restoreSessionId}/Organization/Sites", "GET /v%d/RestoreSessions/{restoreSessionId}/Organization/Sites/{siteId}/Libraries",
				"GET /v%d/RestoreSessions/{restoreSessionId}/Organization/Sites/{siteId}/Lists", "GET /v%d/RestoreSessions/{restoreSessionId}/Organization/Sites/{siteId}/Folders",
				"GET /v%d/RestoreSessions/{restoreSessionId}/Organization/Sites/{siteId}/Documents", "GET /v%d/RestoreSessions/{restoreSessionId}/Organization/Sites/{siteId}/Items",
				"GET /v%d/RestoreSessions/{restoreSessionId}/organization/teams", "GET /v%d/RestoreSessions/{restoreSessionId}/organization/teams/{teamId}/channels",
				"GET /v%d/RestoreSessions/{restoreSessionId}/organization/teams/{teamId}/posts", "GET /v%d/RestoreSessions/{restoreSessionId}/organization/teams/{teamId}/files",
				"GET /v%d/RestoreSessions/{restoreSessionId}/organization/teams/{teamId}/channels/{channelId}/tabs")
			if version >= 7 {
				want = append(want, "GET /v%d/JobSessions/{sessionId}/ProcessedObjects", "GET /v%d/Organizations/{organizationId}/SyncState",
					"POST /v%d/Organizations/{organizationId}/Sync", "GET /v%d/licensing/statistic/usage")
			}
			if version >= 8 {
				want = append(want, "GET /v%d/ProxyPools", "GET /v%d/ProxyPools/{poolId}", "GET /v%d/Health",
					"POST /v%d/Proxies/{proxyId}/maintenance/enable", "POST /v%d/Proxies/{proxyId}/maintenance/disable",
					"GET /v%d/RestoreSessions/{restoreSessionId}/Statistics", "GET /v%d/Events", "POST /v%d/Reports/GenerateOneDriveProtection",
					"POST /v%d/Reports/GenerateSharepointProtection", "POST /v%d/Reports/GenerateTeamsProtection")
			}
			for _, w := range want {
				route := fmt.Sprintf(w, version)
				if v.checked[route] == 0 {
					t.Errorf("no answer of %s was validated (validated: %v)", route, v.checked)
				}
			}
			if t.Failed() {
				return
			}
			t.Logf("validated %v", strings.ReplaceAll(fmt.Sprint(v.checked), fmt.Sprintf("/v%d", version), ""))
		})
	}
}

// TestValidatorCatchesBadAnswers shows the check above can fail: an answer
// with a wrong type, a bad date or an unknown enum value is reported.
func TestValidatorCatchesBadAnswers(t *testing.T) {
	t.Parallel()
	doc := loadSpec(t, 8)
	var err error
	for _, bad := range []string{
		`{"id":"a8cf9a63-64c3-4748-9c95-b1fbac0cce1d","progress":"12"}`,
		`{"id":"a8cf9a63-64c3-4748-9c95-b1fbac0cce1d","creationTime":"yesterday"}`,
		`{"id":"a8cf9a63-64c3-4748-9c95-b1fbac0cce1d","status":"Paused"}`,
	} {
		var reports []string
		v := &validator{
			report:  func(f string, a ...any) { reports = append(reports, fmt.Sprintf(f, a...)) },
			checked: map[string]int{},
			next: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(bad))
			}),
		}
		ts := httptest.NewServer(v)
		doc.Servers = openapi3.Servers{{URL: ts.URL}}
		if v.router, err = gorillamux.NewRouter(doc); err != nil {
			t.Fatal(err)
		}
		resp, err := http.Get(ts.URL + "/v8/JobSessions/a8cf9a63-64c3-4748-9c95-b1fbac0cce1d")
		if err == nil {
			resp.Body.Close()
		}
		ts.Close()
		if len(reports) == 0 {
			t.Errorf("%s passed validation", bad)
		}
	}
}

// login gets a token from the simulator as a caller would.
func login(t *testing.T, base string, version int, sim *vb365sim.Server) string {
	t.Helper()
	user, pass := sim.Credentials()
	resp, err := http.PostForm(fmt.Sprintf("%s/v%d/token", base, version), url.Values{"grant_type": {"password"}, "username": {user}, "password": {pass}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil {
		t.Fatal(err)
	}
	return "Bearer " + tok.AccessToken
}
