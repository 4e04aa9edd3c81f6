//go:build !linux && !darwin

package realtime

import "net"

// attachRaw leaves writeNow without a descriptor to write to: there is no
// writev in golang.org/x/sys/unix here (or no unix at all), so every data
// frame goes through writeAll, on a writer goroutine of the socket's own.
func (w *wire) attachRaw(net.Conn) {}
