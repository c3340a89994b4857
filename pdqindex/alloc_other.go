//go:build !linux || race

package pdqindex

// alloc returns a zeroed slice of n elements on the Go heap (the linux
// version maps large slices with transparent huge pages; the race detector
// does not check memory outside the Go heap, so race builds use this one).
func alloc[T uint16 | uint32 | uint64](n int) (s []T, free func()) {
	return make([]T, n), func() {}
}
