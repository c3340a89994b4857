//go:build race

package pdqindex

const raceEnabled = true
