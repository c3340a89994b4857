//go:build !unix

package hashlist

import "time"

// cpuTime is unknown here; the CPU-time metric is then left out.
func cpuTime() time.Duration { return 0 }
