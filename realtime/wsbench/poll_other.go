//go:build !linux

package wsbench

import (
	"errors"
	"sync/atomic"
)

// errNoPoller: the load connections are read by epoll loops (see
// poll_linux.go), so that the generator takes little of the CPU it shares
// with the hub it measures; there is no such loop here.
var errNoPoller = errors.New("bench ws: the load generator reads its sockets with epoll and runs on Linux only")

func listen([]*watcher, *atomic.Int64) (stop func(), err error) { return nil, errNoPoller }
