package model

import "github.com/vb365-graphql/vb365-graphql/upstream"

// An organization's users, groups, sites and teams: one upstream model
// (upstream.OrganizationObject) under a GraphQL type per kind, each its own
// Go type so that a kind is told by its type. Pointers convert for free:
// (*model.OrganizationUser)(o).
type (
	OrganizationUser  upstream.OrganizationObject
	OrganizationGroup upstream.OrganizationObject
	OrganizationSite  upstream.OrganizationObject
	OrganizationTeam  upstream.OrganizationObject
)

// ProtectionSummary counts what of an organization is protected; each kind
// is counted only when asked for.
type ProtectionSummary struct {
	Organization *Organization
}

// Node is any object Relay refetches by its nodeId (resolvers/node.go
// makes and reads those).
type Node interface{}
