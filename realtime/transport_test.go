package realtime

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func TestTextFrame_IsAnUnmaskedFinalTextFrameWithThePayloadLength(t *testing.T) {
	tests := []struct {
		length int
		header []byte
	}{
		{0, []byte{0x81, 0}},
		{125, []byte{0x81, 125}},
		{126, []byte{0x81, 126, 0, 126}},
		{65535, []byte{0x81, 126, 0xFF, 0xFF}},
		{65536, binary.BigEndian.AppendUint64([]byte{0x81, 127}, 65536)},
	}
	for _, tt := range tests {
		payload := strings.Repeat("x", tt.length)
		got := textFrame(payload)
		if !bytes.Equal(got[:len(tt.header)], tt.header) || string(got[len(tt.header):]) != payload {
			t.Errorf("textFrame of %d bytes starts % x, want header % x then the payload", tt.length, got[:min(len(got), 10)], tt.header)
		}
	}
}

// tcpPair returns the two ends of a loopback TCP connection, both with
// small kernel buffers, so a write of some ten KiB fills them.
func tcpPair(t *testing.T) (server, client *net.TCPConn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	cc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	sc := <-accepted
	if sc == nil {
		t.Fatal("accept failed")
	}
	server, client = sc.(*net.TCPConn), cc.(*net.TCPConn)
	t.Cleanup(func() { _ = server.Close(); _ = client.Close() })
	if err := errors.Join(server.SetWriteBuffer(4096), client.SetReadBuffer(4096)); err != nil {
		t.Fatal(err)
	}
	return server, client
}

func TestWire_ControlFrameWaitsForTheRestOfAPartlyWrittenDataFrame(t *testing.T) {
	server, client := tcpPair(t)
	w := newWire(server, readTimeout)
	data := textFrame(strings.Repeat("x", 64<<10))
	ping := []byte{0x89, 0} // an empty ping frame

	// A flusher writes what the socket takes and hands the rest, with the
	// lock, to another goroutine (as conn.flush does); meanwhile a
	// control frame is written.
	if locked, err := w.lockData(false); !locked || err != nil {
		t.Fatalf("lockData = %v, %v; want the lock", locked, err)
	}
	rest := net.Buffers{data}
	if err := w.writeNow(&rest); err != nil {
		t.Fatal(err)
	}
	if left := bufsLen(rest); left == 0 || left == len(data) {
		t.Fatalf("writeNow left %d of %d bytes; want part of the frame written", left, len(data))
	}
	pinged := make(chan error, 1)
	go func() {
		_, err := w.Write(ping)
		pinged <- err
	}()
	// Give the control frame time to reach the socket if nothing held it
	// back.
	time.Sleep(20 * time.Millisecond)
	handedOver := make(chan error, 1)
	go func() {
		err := w.writeAll(&rest)
		w.unlock()
		handedOver <- err
	}()

	got := make([]byte, len(data)+len(ping))
	if err := client.SetReadDeadline(time.Now().Add(readTimeout)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(client, got); err != nil {
		t.Fatalf("read: %v", err)
	}
	if err := errors.Join(<-handedOver, <-pinged); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got[:len(data)], data) || !bytes.Equal(got[len(data):], ping) {
		t.Fatal("the control frame was written into the data frame")
	}
}

func TestWire_NoDataIsWrittenOnceTheSocketIsClosing(t *testing.T) {
	closeFrame := []byte{0x88, 2, 0x03, 0xE8} // close, 1000
	tests := []struct {
		name  string
		close func(*wire) error
	}{
		{"sealed by the hub", func(w *wire) error { w.seal(); return nil }},
		{"close frame written", func(w *wire) error { _, err := w.Write(closeFrame); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			server, _ := tcpPair(t)
			w := newWire(server, readTimeout)
			if _, err := w.Write([]byte{0x89, 0}); err != nil { // a ping does not seal
				t.Fatal(err)
			}
			if locked, err := w.lockData(false); !locked || err != nil {
				t.Fatalf("lockData after a ping = %v, %v; want the lock", locked, err)
			}
			w.unlock()
			if err := tt.close(w); err != nil {
				t.Fatal(err)
			}
			for _, wait := range []bool{false, true} {
				if locked, err := w.lockData(wait); locked || !errors.Is(err, errSealed) {
					t.Errorf("lockData(%v) = %v, %v; want errSealed", wait, locked, err)
				}
			}
		})
	}
}

// paddedEvent publishes an ordered event numbered i whose data is padded
// to about size bytes.
func paddedEvent(t *testing.T, p Publisher, topic string, i, size int) int64 {
	t.Helper()
	seq, err := p.Publish(context.Background(), topic, Publication{
		Type: "order.status", Data: json.RawMessage(fmt.Sprintf(`{"n":%d,"pad":%q}`, i, strings.Repeat("x", size))),
	})
	if err != nil {
		t.Fatalf("publish %d: %v", i, err)
	}
	return seq
}

// expectPadded reads events from..to, each padded to size bytes, failing
// the test on a missing, reordered or damaged one.
func (c *client) expectPadded(from, to int64, size int) {
	c.t.Helper()
	for want := from; want <= to; want++ {
		f := c.expect("event")
		var d struct {
			N   int
			Pad string
		}
		if err := json.Unmarshal(f.Data, &d); err != nil || f.Seq != want || len(d.Pad) != size {
			c.t.Fatalf("got event #%d with %d bytes of padding (%v), want #%d with %d", f.Seq, len(d.Pad), err, want, size)
		}
	}
}

func TestWire_DataFramesAndControlFramesArriveWhole(t *testing.T) {
	cl := newCluster(t)
	// The hub pings the socket every millisecond and the client pings the
	// hub in a loop, while events are published faster than the client,
	// with its small receive buffer, reads them: they are written in
	// pieces as the socket drains. A control frame written between two
	// pieces of an event would break the stream and close the socket.
	n := cl.start(func(c *Config) {
		c.HeartbeatInterval = time.Millisecond
		c.HeartbeatTimeout = readTimeout
		c.SendQueueBytes = 64 << 20
	})
	c := n.dialWith(t, "?token=customer-1", smallReceiveBuffer())
	c.subscribe("order:1", -1)
	ctx, cancel := context.WithCancel(context.Background())
	const pingers = 8
	pings := make(chan int, pingers)
	for range pingers {
		go func() {
			var answered int
			defer func() { pings <- answered }()
			for ctx.Err() == nil {
				if err := c.ws.Ping(ctx); err != nil {
					return
				}
				answered++
			}
		}()
	}

	const events, size = 300, 16 << 10
	var first, last int64
	for i := range events {
		last = paddedEvent(t, n.broker, "order:1", i, size)
		if i == 0 {
			first = last
		}
	}
	c.expectPadded(first, last, size)
	cancel()
	var answered int
	for range pingers {
		answered += <-pings
	}
	if answered == 0 {
		t.Fatal("the hub answered none of the client's pings")
	}
}

func TestWriteTimeout_SocketWhoseWriteTakesTooLongIsDroppedWhileOthersGetEveryEvent(t *testing.T) {
	cl := newCluster(t)
	// The queue bound is out of reach: only the write timeout can catch
	// the client that never reads.
	n := cl.start(func(c *Config) {
		c.SendQueueBytes = 1 << 30
		c.WriteTimeout = 200 * time.Millisecond
	})
	stuck := n.dialWith(t, "?token=customer-1", smallReceiveBuffer())
	stuck.subscribe("order:1", -1)
	reader := n.dial(t, "customer-1")
	reader.subscribe("order:1", -1)

	const size, limit = 8 << 10, 5000
	i := 1
	for ; i <= limit && n.metric(t, "dabba_realtime_slow_consumer_closes_total") == 0; i++ {
		seq := paddedEvent(t, n.broker, "order:1", i, size)
		reader.expectPadded(seq, seq, size)
	}
	if i > limit {
		t.Fatalf("the client that never reads was not dropped after %d events", limit)
	}
	seq := paddedEvent(t, n.broker, "order:1", i, size)
	reader.expectPadded(seq, seq, size)
	for {
		if _, err := stuck.read(); err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				t.Fatal("the dropped client's socket is still open")
			}
			break
		}
	}
}

func TestTLS_SocketsServedOverTLSGetTheirEvents(t *testing.T) {
	// TLS hides the socket's descriptor, so every write takes the path
	// that may wait for the peer.
	cl := newCluster(t)
	h, err := New(Config{
		Broker:        NewBroker(cl.rdb, BrokerConfig{KeyPrefix: cl.prefix}),
		Authenticator: testAuth{orders: testOrders()},
		Logger:        slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(h)
	t.Cleanup(func() {
		_ = h.Shutdown(context.Background())
		srv.Close()
	})
	ctx, cancel := context.WithTimeout(context.Background(), readTimeout)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "wss"+strings.TrimPrefix(srv.URL, "https")+"?token=customer-1",
		&websocket.DialOptions{HTTPClient: srv.Client()})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	ws.SetReadLimit(1 << 20)
	t.Cleanup(func() { _ = ws.CloseNow() })
	c := &client{t: t, ws: ws}
	c.subscribe("order:1", -1)

	// Sizes around the frame header's length encodings.
	broker := NewBroker(cl.rdb, BrokerConfig{KeyPrefix: cl.prefix})
	sizes := []int{10, 200, 70 << 10, 10, 70 << 10, 200}
	var first int64
	for i, size := range sizes {
		if seq := paddedEvent(t, broker, "order:1", i, size); i == 0 {
			first = seq
		}
	}
	for i, size := range sizes {
		c.expectPadded(first+int64(i), first+int64(i), size)
	}
}
