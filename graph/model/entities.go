package model

import "github.com/vb365-graphql/vb365-graphql/upstream"

// The Apollo Federation entities: the upstream models under the graph's
// names. gqlgen's federation runtime knows an entity by its IsEntity method,
// a GraphQL concern that stays out of upstream; each type here has the same
// fields as its upstream model, so a pointer converts for free:
// (*model.Job)(j).
type (
	JobSession       upstream.JobSession
	Job              upstream.Job
	Organization     upstream.Organization
	BackupRepository upstream.BackupRepository
	Proxy            upstream.Proxy
)

func (JobSession) IsEntity()       {}
func (Job) IsEntity()              {}
func (Organization) IsEntity()     {}
func (BackupRepository) IsEntity() {}
func (Proxy) IsEntity()            {}

// UsedSpaceBytes is the space the repository's backups take.
func (r *BackupRepository) UsedSpaceBytes() *int64 {
	return (*upstream.BackupRepository)(r).UsedSpaceBytes()
}
