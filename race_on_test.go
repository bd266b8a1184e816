//go:build race

package main

import "time"

// raceEnabled: the race detector slows code several times over; time bounds
// in tests allow for it.
const raceEnabled = true

// bound stretches a time bound for the race detector.
func bound(d time.Duration) time.Duration { return 3 * d }
