package upstream

// IsEntity marks JobSession as an Apollo Federation entity. The GraphQL
// layer binds its types to this model directly (no copying), and gqlgen's
// federation runtime recognises entities by this method; it imports nothing.
func (JobSession) IsEntity() {}

// IsEntity marks Job as an Apollo Federation entity (see JobSession.IsEntity).
func (Job) IsEntity() {}

// IsEntity marks Organization as an Apollo Federation entity.
func (Organization) IsEntity() {}

// IsEntity marks BackupRepository as an Apollo Federation entity.
func (BackupRepository) IsEntity() {}

// IsEntity marks Proxy as an Apollo Federation entity.
func (Proxy) IsEntity() {}
