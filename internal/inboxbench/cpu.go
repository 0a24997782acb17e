package inboxbench

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// cpuSample is the CPU time used so far by this process and by a Dovecot
// instance (its master's reaped children plus its live children).
type cpuSample struct {
	client, server time.Duration
}

func (a cpuSample) sub(b cpuSample) cpuSample {
	return cpuSample{a.client - b.client, a.server - b.server}
}

// sampleCPU reads the CPU times; server is zero when masterPID is 0 or
// /proc cannot be read (the figures then say so by being zero).
func sampleCPU(masterPID int) cpuSample {
	var s cpuSample
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		s.client = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	if masterPID == 0 {
		return s
	}
	// The master's cutime+cstime hold its children that exited (imap
	// processes end with their connection); live children are added.
	if f, ok := procStat(masterPID); ok {
		s.server += ticks(f[13]) + ticks(f[14]) // cutime, cstime
	}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		pid, err := strconv.Atoi(filepath.Base(d))
		if err != nil {
			continue
		}
		if f, ok := procStat(pid); ok && f[1] == strconv.Itoa(masterPID) {
			s.server += ticks(f[11]) + ticks(f[12]) // utime, stime
		}
	}
	return s
}

// procStat returns the fields of /proc/PID/stat after the command name:
// f[0] is the state, f[1] the parent's PID, f[11] utime, f[12] stime,
// f[13] cutime, f[14] cstime (proc(5) fields 3 onwards).
func procStat(pid int) ([]string, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return nil, false
	}
	f := strings.Fields(s[i+1:])
	return f, len(f) > 15
}

// ticks converts clock ticks (USER_HZ, 100 on Linux) to a duration.
func ticks(s string) time.Duration {
	n, _ := strconv.ParseInt(s, 10, 64)
	return time.Duration(n) * 10 * time.Millisecond
}

// masterPID reads Dovecot's master PID from DIR/run/master.pid.
func masterPID(dir string) int {
	b, err := os.ReadFile(filepath.Join(dir, "run", "master.pid"))
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}
