//go:build !race

package main

import "time"

const raceEnabled = false

// bound is a time bound as written.
func bound(d time.Duration) time.Duration { return d }
