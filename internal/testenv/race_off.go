//go:build !race

package testenv

import "time"

// Bound is a time bound as written (the race detector is off).
func Bound(d time.Duration) time.Duration { return d }

// RaceEnabled says whether the race detector is on.
const RaceEnabled = false
