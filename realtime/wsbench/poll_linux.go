package wsbench

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

const (
	// pollers is how many epoll loops read the watchers' sockets.
	pollers = 2
	// pollInterval is how long a poller sleeps when none of its sockets
	// has data, as long as data came recently (see poller.run).
	pollInterval = 100 * time.Microsecond
	// idlePolls is how many empty polls in a row send a poller to sleep in
	// epoll_wait until data comes.
	idlePolls = 1000
	// pollReadSize is a poller's read buffer: one read takes everything a
	// socket has, usually one frame.
	pollReadSize = 64 << 10
	// pollEvents is how many ready sockets one epoll_wait returns at most.
	pollEvents = 256
	// pollWaitMillis bounds one epoll_wait, so a poller notices it was
	// stopped.
	pollWaitMillis = 100
)

// poller reads the frames of its watchers' sockets, level-triggered: one
// read per ready socket and epoll_wait call, no goroutine per socket.
//
// While events flow it polls every pollInterval instead of sleeping in
// epoll_wait: a sleeping reader is woken by the hub's write system call,
// whose cost (a wake-up, per event and socket, of a process on the same
// cores) the hub would pay for its clients, which in production are on
// other machines. A polled event is timestamped up to pollInterval late,
// which only adds to the latency the bench reports.
type poller struct {
	epfd int
	// byFD finds a watcher by its descriptor.
	byFD []*watcher
	buf  []byte
}

// errNoPoller is nil: Linux has epoll (see poll_other.go).
var errNoPoller error

// listen starts reading the watchers' sockets, counting the events
// recorded in received; the returned stop ends it.
func listen(watchers []*watcher, received *atomic.Int64) (stop func(), err error) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	var started []*poller
	stop = func() {
		close(done)
		wg.Wait()
		for _, p := range started {
			_ = syscall.Close(p.epfd)
		}
	}
	for i := range pollers {
		p, err := newPoller(watchers[i*len(watchers)/pollers : (i+1)*len(watchers)/pollers])
		if err != nil {
			stop()
			return nil, err
		}
		started = append(started, p)
		wg.Go(func() { p.run(done, received) })
	}
	return stop, nil
}

func newPoller(watchers []*watcher) (*poller, error) {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("bench ws: epoll: %w", err)
	}
	p := &poller{epfd: epfd, buf: make([]byte, pollReadSize)}
	for _, w := range watchers {
		ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(w.fd)}
		if err := syscall.EpollCtl(epfd, syscall.EPOLL_CTL_ADD, w.fd, &ev); err != nil {
			_ = syscall.Close(epfd)
			return nil, fmt.Errorf("bench ws: epoll: %w", err)
		}
		if w.fd >= len(p.byFD) {
			p.byFD = append(p.byFD, make([]*watcher, w.fd+1-len(p.byFD))...)
		}
		p.byFD[w.fd] = w
	}
	return p, nil
}

// run reads until done is closed.
func (p *poller) run(done <-chan struct{}, received *atomic.Int64) {
	events := make([]syscall.EpollEvent, pollEvents)
	interval := syscall.NsecToTimespec(pollInterval.Nanoseconds())
	empty := idlePolls
	for {
		select {
		case <-done:
			return
		default:
		}
		wait := 0
		if empty >= idlePolls {
			wait = pollWaitMillis
		}
		n, err := syscall.EpollWait(p.epfd, events, wait)
		switch {
		case n > 0:
			empty = 0
		case empty < idlePolls:
			empty++
			_ = syscall.Nanosleep(&interval, nil)
		}
		if err != nil && !errors.Is(err, syscall.EINTR) {
			for _, w := range p.byFD {
				if w != nil {
					w.close(fmt.Errorf("epoll: %w", err))
				}
			}
			return
		}
		for _, ev := range events[:max(n, 0)] {
			if w := p.byFD[ev.Fd]; w != nil {
				p.read(w, received)
			}
		}
	}
}

// read reads what w's socket has and handles the whole frames in it.
func (p *poller) read(w *watcher, received *atomic.Int64) {
	n, err := syscall.Read(w.fd, p.buf)
	now := time.Now().UnixNano()
	switch {
	case errors.Is(err, syscall.EAGAIN), errors.Is(err, syscall.EINTR):
		return
	case err != nil:
		p.forget(w, err)
		return
	case n == 0:
		p.forget(w, io.EOF)
		return
	}
	data := p.buf[:n]
	if len(w.partial) > 0 {
		w.partial = append(w.partial, data...)
		data = w.partial
	}
	for {
		op, payload, size := parseFrame(data)
		if size == 0 {
			break
		}
		reply, open := w.handle(op, payload, now, received)
		if reply != nil {
			// A control frame is tiny: the socket takes it whole.
			_, _ = syscall.Write(w.fd, reply)
		}
		if !open {
			p.forget(w, nil)
			return
		}
		data = data[size:]
	}
	w.partial = append(w.partial[:0], data...)
}

// forget stops reading w's socket, which ended with err (nil: it was
// closed by the hub, as w already recorded).
func (p *poller) forget(w *watcher, err error) {
	if err != nil {
		w.close(err)
	}
	_ = syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_DEL, w.fd, nil)
	p.byFD[w.fd] = nil
}
