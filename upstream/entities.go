package upstream

// IsEntity marks JobSession as an Apollo Federation entity. The GraphQL
// layer binds its types to this model directly (no copying), and gqlgen's
// federation runtime recognises entities by this method; it imports nothing.
func (JobSession) IsEntity() {}

// IsEntity marks Job as an Apollo Federation entity (see JobSession.IsEntity).
func (Job) IsEntity() {}
