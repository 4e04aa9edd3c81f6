//go:build linux || darwin

package realtime

import (
	"net"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// maxIovecs is the most buffers one writev takes (IOV_MAX on Linux and
// macOS).
const maxIovecs = 1024

// attachRaw lets writeNow write to nc's descriptor itself, when nc is a
// plain socket.
func (w *wire) attachRaw(nc net.Conn) {
	if sc, ok := nc.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			w.raw = raw
			w.rawFn = w.rawWrite
		}
	}
}

// rawWrite writes w.pending to the socket's descriptor until the socket
// takes no more, leaving the rest in w.pending. It runs inside
// syscall.RawConn.Write and always reports done, so Go's poller never
// waits for the socket.
func (w *wire) rawWrite(fd uintptr) bool {
	for len(w.pending) > 0 {
		offered := w.pending[:min(len(w.pending), maxIovecs)]
		var n int
		var err error
		if len(offered) == 1 {
			n, err = unix.Write(int(fd), offered[0])
		} else {
			n, err = unix.Writev(int(fd), offered)
		}
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			return true
		case err != nil:
			w.rawErr = os.NewSyscallError("writev", err)
			return true
		}
		whole := n == bufsLen(offered)
		w.pending = advance(w.pending, n)
		if !whole { // the socket's buffer is full
			return true
		}
	}
	return true
}
