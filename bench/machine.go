package bench

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Machine describes where a run took place, so that figures from different
// machines are never compared as if they were alike.
type Machine struct {
	CPU       string `json:"cpu"`
	Cores     int    `json:"cores"`
	MemoryGiB string `json:"memory_gib,omitempty"`
	GoVersion string `json:"go_version"`
	OS        string `json:"os"`
	// Load is the 1-minute load average before and after the run: other
	// work on a shared machine shows here.
	LoadBefore string `json:"load_before,omitempty"`
	LoadAfter  string `json:"load_after,omitempty"`
}

func describeMachine() Machine {
	m := Machine{Cores: runtime.NumCPU(), GoVersion: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH,
		CPU: "unknown", LoadBefore: loadAverage()}
	if v := procField("/proc/cpuinfo", "model name"); v != "" {
		m.CPU = v
	}
	if v := procField("/proc/meminfo", "MemTotal"); v != "" {
		if kb, err := strconv.ParseFloat(strings.TrimSuffix(v, " kB"), 64); err == nil {
			m.MemoryGiB = strconv.FormatFloat(kb/(1<<20), 'f', 1, 64)
		}
	}
	return m
}

// procField returns the value of the first "key: value" line of a /proc file.
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// loadAverage returns the 1-, 5- and 15-minute load averages, or "".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// clockTick is USER_HZ, the unit of /proc/PID/stat times; 100 on every
// Linux architecture Go supports.
const clockTick = 100

// cpuTime returns the user+system CPU time a process has used so far, from
// /proc/PID/stat (pid 0: this process); false where /proc is unavailable.
func cpuTime(pid int) (time.Duration, bool) {
	p := "/proc/self/stat"
	if pid > 0 {
		p = "/proc/" + strconv.Itoa(pid) + "/stat"
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return 0, false
	}
	// The command name, field 2, is in parentheses and may contain spaces.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(s[i+1:])
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0, false
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(u+st) * time.Second / clockTick, true
}

// ioCounters returns a process's write system calls and the bytes it caused
// to be written to storage, from /proc/PID/io.
func ioCounters(pid int) (calls, bytes int64, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/io")
	if err != nil {
		return 0, 0, false
	}
	n := 0
	for line := range strings.SplitSeq(string(b), "\n") {
		k, v, _ := strings.Cut(line, ":")
		x, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			continue
		}
		switch k {
		case "syscw":
			calls, n = x, n+1
		case "write_bytes":
			bytes, n = x, n+1
		}
	}
	return calls, bytes, n == 2
}

// systemCPU returns the machine's CPU time in ticks since boot, all cores
// together: busy (anyone's work), waiting for I/O, and the total.
func systemCPU() (busy, iowait, total int64, ok bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, 0, false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 6 || f[0] != "cpu" {
		return 0, 0, 0, false
	}
	var idle int64
	// user nice system idle iowait irq softirq steal (guest time is
	// already counted in user).
	for i, s := range f[1:min(len(f), 9)] {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, 0, 0, false
		}
		total += v
		switch i {
		case 3:
			idle = v
		case 4:
			iowait = v
		}
	}
	return total - idle - iowait, iowait, total, true
}

// probeFsync writes 4 KiB and fsyncs it, n times, in a scratch file in dir:
// the storage latency that every SQLite commit pays at least once.
func probeFsync(dir string, n int) (Dist, error) {
	f, err := os.CreateTemp(dir, "fsync-probe-")
	if err != nil {
		return Dist{}, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	buf := make([]byte, 4096)
	ds := make([]time.Duration, 0, n)
	for i := range n {
		start := time.Now()
		if _, err := f.WriteAt(buf, int64(i%16)*int64(len(buf))); err != nil {
			return Dist{}, err
		}
		if err := f.Sync(); err != nil {
			return Dist{}, err
		}
		ds = append(ds, time.Since(start))
	}
	return summarise(ds), nil
}
