package upstream

// Hooks for the external tests and benchmarks of this package.

type (
	WireSessionPage = wirePage[wireSession]
	WireJobPage     = wirePage[wireJob]
)

// DecodeSessions and DecodeJobs decode a collection answer as the client does.
func DecodeSessions(body []byte) (WireSessionPage, error) { return decodeCollection[wireSession](body) }
func DecodeJobs(body []byte) (WireJobPage, error)         { return decodeCollection[wireJob](body) }
