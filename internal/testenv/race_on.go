//go:build race

package testenv

import "time"

// Bound stretches a time bound for the race detector, which slows code
// several times over.
func Bound(d time.Duration) time.Duration { return 3 * d }

// RaceEnabled says whether the race detector is on.
const RaceEnabled = true
