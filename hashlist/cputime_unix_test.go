//go:build unix

package hashlist

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time this process has used. Benchmarks report
// lines per CPU second beside lines per second because the machines they
// run on are shared: wall time measures the neighbours as much as us.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
