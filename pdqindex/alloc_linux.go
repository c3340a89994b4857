//go:build linux && !race

package pdqindex

import (
	"syscall"
	"unsafe"
)

// hugePage is the size of a transparent huge page on linux/amd64 and
// linux/arm64 (4 KiB base pages).
const hugePage = 2 << 20

// alloc returns a zeroed slice of n elements. Slices of 4 MiB or more are
// mapped outside the Go heap, aligned on 2 MiB and advised with
// MADV_HUGEPAGE, so that transparent huge pages back them on systems where
// THP is in "madvise" mode (the Go runtime does not ask for huge pages).
// Lookups access the tables and the hashes at random; with 4 KiB pages
// nearly every access also misses the TLB. free releases the memory; the
// slice must not be used afterwards.
func alloc[T uint16 | uint32 | uint64](n int) (s []T, free func()) {
	var zero T
	size := n * int(unsafe.Sizeof(zero))
	if size < 2*hugePage {
		return make([]T, n), func() {}
	}
	mem, err := syscall.Mmap(-1, 0, size+hugePage, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return make([]T, n), func() {}
	}
	off := 0
	if r := int(uintptr(unsafe.Pointer(&mem[0])) % hugePage); r != 0 {
		off = hugePage - r
	}
	body := mem[off : off+size]
	_ = syscall.Madvise(body, 14) // MADV_HUGEPAGE; an error only costs speed
	return unsafe.Slice((*T)(unsafe.Pointer(&body[0])), n), func() { _ = syscall.Munmap(mem) }
}
