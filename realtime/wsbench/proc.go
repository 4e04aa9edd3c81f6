package wsbench

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTicks is Linux's USER_HZ, the unit of /proc/<pid>/stat CPU times; it
// is 100 on every mainstream Linux build.
const clockTicks = 100

// usage is a process's resource use at one moment, read from /proc.
type usage struct {
	at    time.Time
	rss   int64 // bytes
	cpu   time.Duration
	valid bool
}

// sample reads the usage of process pid; a zero pid or an unreadable /proc
// gives an invalid sample, shown as "-".
func sample(pid int) usage {
	if pid <= 0 {
		return usage{}
	}
	status, err1 := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	stat, err2 := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err1 != nil || err2 != nil {
		return usage{}
	}
	var rssKB int64
	for line := range strings.Lines(string(status)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			rssKB, _ = strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		}
	}
	// The fields after the command name (which may hold spaces) start at
	// the last ')'; utime and stime are fields 14 and 15 of the line.
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	if len(fields) < 13 {
		return usage{}
	}
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return usage{
		at:    time.Now(),
		rss:   rssKB << 10,
		cpu:   time.Duration(utime+stime) * time.Second / clockTicks,
		valid: true,
	}
}

// cpuPercent is the CPU the process used between two samples, in percent
// of one core.
func cpuPercent(from, to usage) string {
	if !from.valid || !to.valid {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", 100*float64(to.cpu-from.cpu)/float64(to.at.Sub(from.at)))
}

func megabytes(u usage) string {
	if !u.valid {
		return "-"
	}
	return fmt.Sprintf("%.0f MB", float64(u.rss)/(1<<20))
}
