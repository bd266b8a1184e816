package vb365sim

import (
	"crypto/sha1"
	"encoding/binary"
	"fmt"
	"sort"
	"time"
)

// The simulated jobs and sessions: a dozen jobs with their schedules, and a
// few hundred sessions going back from the anchor time, in the estate of
// estate_data.go. Everything derives from fixed seeds, so the same anchor
// gives the same data.

type job struct {
	id          string
	name        string
	description string
	backupType  string
	copy        bool
	enabled     bool
	period      time.Duration // how often it runs
	schedule    string        // Daily, Periodically
	every       string        // periodicallyEvery
	dailyTime   string
	repository  string
	org         *organization
	changes     int64 // actions taken on it, for its eTag
}

type session struct {
	id          string
	job         *job
	created     time.Time
	duration    time.Duration // how long it takes (or will take, if running)
	status      string        // final status, or "Running" for a live one
	live        bool          // advances with the clock
	objects     int64         // objects it processes in all
	bytes       int64         // bytes it transfers in all
	retryOf     string        // main session id, for retries
	retryCount  int
	bottleneck  string
	logLines    int
	warningItem int  // index of a warning log line, -1 for none
	full        bool // started as an active full backup
}

type dataset struct {
	uuids
	*estate
	restoreData
	directoryData
	tenantData
	jobs     []*job
	jobByID  map[string]*job
	sessions []*session // newest first
	byID     map[string]*session
}

// uuids derives the dataset's ids: the seed (empty for the one estate
// every test knows) makes another server's estate, with ids of its own.
type uuids string

func (seed uuids) of(name string) string { return uuidFor(string(seed) + name) }

// fixed is a well-known id, unless the seed asks for an estate of its own.
func (seed uuids) fixed(id, name string) string {
	if seed == "" {
		return id
	}
	return seed.of(name)
}

// uuidFor derives a stable UUID from a name.
func uuidFor(name string) string {
	h := sha1.Sum([]byte(name))
	h[6] = (h[6] & 0x0f) | 0x50
	h[8] = (h[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

func hashOf(name string) uint64 {
	h := sha1.Sum([]byte(name))
	return binary.BigEndian.Uint64(h[:8])
}

var jobNames = []struct{ name, desc string }{
	{"Exchange Online - Daily", "All mailboxes of the organisation"},
	{"OneDrive - Daily", "OneDrive for Business of every user"},
	{"SharePoint - Sites", "Team and communication sites"},
	{"Teams - Hourly", "Teams channels and chats"},
	{"Executives - Mailboxes", "Mailboxes of the board, every 4 hours"},
	{"Finance - SharePoint", "Finance document libraries"},
	{"Archive Mailboxes", "In-place archives"},
	{"Public Folders", "Public folder mailboxes"},
	{"Sales - OneDrive", "OneDrive of the sales team"},
	{"HR - Mailboxes", "Human resources mailboxes"},
	{"Legal Hold - Teams", "Teams under legal hold"},
	{"Copy to Object Storage", "Backup copy of Exchange Online to object storage"},
}

var periods = []time.Duration{24 * time.Hour, 24 * time.Hour, 8 * time.Hour, 4 * time.Hour, 4 * time.Hour,
	8 * time.Hour, 24 * time.Hour, 24 * time.Hour, 2 * time.Hour, 24 * time.Hour, 8 * time.Hour, 24 * time.Hour}

// newDataset builds the estate as seen at anchor. sessionsPerJob sessions of
// each job end before anchor, except live ones (the newest of the first two
// jobs by default), which started shortly before anchor and are still
// running then.
func newDataset(anchor time.Time, sessionsPerJob, live, version int, seed uuids) *dataset {
	d := &dataset{uuids: seed, estate: newEstate(anchor, seed), jobByID: map[string]*job{}, byID: map[string]*session{}}
	for i, jn := range jobNames {
		j := &job{
			id:          seed.of(fmt.Sprintf("job-%d", i)),
			name:        jn.name,
			description: jn.desc,
			backupType:  []string{"EntireOrganization", "SelectedItems"}[i%2],
			copy:        i == len(jobNames)-1 && version >= 6, // backup copy jobs came with v6
			enabled:     i != 7,
			period:      periods[i],
		}
		if j.period == 24*time.Hour {
			j.schedule, j.dailyTime = "Daily", fmt.Sprintf("%02d:00:00", 18+i%6)
		} else {
			j.schedule, j.every = "Periodically", fmt.Sprintf("Hours%d", int(j.period.Hours()))
		}
		d.jobs = append(d.jobs, j)
		d.jobByID[j.id] = j
	}
	d.linkJobs(d.jobs, version)
	for ji, j := range d.jobs {
		offset := time.Duration(hashOf(j.id)%180) * time.Minute
		var older *session
		for k := sessionsPerJob - 1; k >= 0; k-- { // oldest first, so retries can point back
			name := fmt.Sprintf("session-%d-%d", ji, k)
			h := hashOf(name)
			s := &session{
				id:          seed.of(name),
				job:         j,
				created:     anchor.Add(-time.Duration(k+1)*j.period - offset).Add(time.Duration(h%997) * time.Millisecond * 7),
				duration:    time.Duration(3+h%40)*time.Minute + time.Duration(h%60000)*time.Millisecond,
				objects:     int64(50 + h%5000),
				bytes:       int64(h % (6 << 30)), // up to 6 GiB: passes 2^31
				bottleneck:  []string{"Source", "Target", "Source", "NA"}[h%4],
				logLines:    4 + int(h%9),
				warningItem: -1,
			}
			switch r := h % 100; {
			case r < 80:
				s.status = "Success"
			case r < 90:
				s.status = "Warning"
				s.warningItem = 2
			case r < 97:
				s.status = "Failed"
			default:
				s.status = "Stopped"
			}
			if older != nil && older.status == "Failed" && h%2 == 0 {
				s.retryOf, s.retryCount = older.id, 1
			}
			if nth := k*len(jobNames) + ji; k < 2 && nth < live {
				// Live sessions: started before the anchor, still running at it.
				s.created = anchor.Add(-time.Duration(2+nth*3) * time.Minute)
				s.duration = time.Duration(15+nth*15) * time.Minute
				s.status, s.live = "Success", true
			}
			d.sessions = append(d.sessions, s)
			d.byID[s.id] = s
			older = s
		}
	}
	sort.SliceStable(d.sessions, func(a, b int) bool {
		if !d.sessions[a].created.Equal(d.sessions[b].created) {
			return d.sessions[a].created.After(d.sessions[b].created)
		}
		return d.sessions[a].id < d.sessions[b].id
	})
	d.restoreData = newRestoreData(d, anchor, version)
	d.directoryData = newDirectoryData(d, anchor)
	d.tenantData = newTenantData(d, anchor)
	return d
}

// state is what a session looks like at time now.
type state struct {
	status   string
	end      *time.Time
	fraction float64 // share of the work done, 0..1
}

func (s *session) at(now time.Time) state {
	end := s.created.Add(s.duration)
	if !s.live || !now.Before(end) {
		return state{status: s.status, end: &end, fraction: 1}
	}
	f := float64(now.Sub(s.created)) / float64(s.duration)
	if f < 0 {
		f = 0
	}
	return state{status: "Running", fraction: f}
}
