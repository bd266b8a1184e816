//go:build race

package main

// raceEnabled: the race detector slows code several times over; time bounds
// in tests allow for it.
const raceEnabled = true
