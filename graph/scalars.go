package graph

import (
	"time"

	"github.com/99designs/gqlgen/graphql"
)

// MarshalDateTime writes a time in RFC 3339, as gqlgen's Time does.
func MarshalDateTime(t time.Time) graphql.Marshaler { return graphql.MarshalTime(t) }

// UnmarshalDateTime reads an RFC 3339 time. One that does not parse (not a
// date, a year past 9999, an offset past ±23:59) is the client's mistake, so
// it answers BAD_USER_INPUT with the form expected.
func UnmarshalDateTime(v any) (time.Time, error) {
	t, err := graphql.UnmarshalTime(v)
	if err != nil {
		return time.Time{}, BadInput("not a DateTime: give an RFC 3339 time such as 2026-11-01T00:00:00Z")
	}
	return t, nil
}
