package wsbench

import (
	"bytes"
	"strings"
	"sync/atomic"
	"testing"
)

func TestIntAfter_ReadsTheNumberAfterAKey(t *testing.T) {
	frame := []byte(`{"op":"event","topic":"bench:3","seq":17,"type":"bench","data":{"t":1732590000123456789,"p":2,"pad":"x"},"ts":1}`)
	tests := []struct {
		key  string
		want int64
		ok   bool
	}{
		{`"seq":`, 17, true},
		{`"data":{"t":`, 1732590000123456789, true},
		{`,"p":`, 2, true},
		{`"missing":`, 0, false},
		{`"op":`, 0, false},
	}
	for _, tt := range tests {
		if got, ok := intAfter(frame, tt.key); got != tt.want || ok != tt.ok {
			t.Errorf("intAfter(%s) = %d, %v; want %d, %v", tt.key, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseFrame_TakesOnlyWholeServerFrames(t *testing.T) {
	frame := func(header []byte, payload int) []byte {
		return append(header, bytes.Repeat([]byte("x"), payload)...)
	}
	tests := []struct {
		name    string
		frame   []byte
		payload int
	}{
		{"7-bit length", frame([]byte{0x81, 5}, 5), 5},
		{"16-bit length", frame([]byte{0x81, 126, 0x01, 0x00}, 256), 256},
		{"64-bit length", frame([]byte{0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0}, 65536), 65536},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next := []byte{0x89, 0}
			op, payload, n := parseFrame(append(bytes.Clone(tt.frame), next...))
			if op != opText || len(payload) != tt.payload || n != len(tt.frame) {
				t.Fatalf("parseFrame = op %d, %d payload bytes, length %d; want text, %d, %d", op, len(payload), n, tt.payload, len(tt.frame))
			}
			for cut := range len(tt.frame) {
				if _, _, n := parseFrame(tt.frame[:cut]); n != 0 {
					t.Fatalf("parseFrame took a frame from its first %d of %d bytes", cut, len(tt.frame))
				}
			}
		})
	}
}

// unmask returns the opcode and unmasked payload of a client frame.
func unmask(t *testing.T, f []byte) (byte, []byte) {
	t.Helper()
	if len(f) < 6 || f[0]&0x80 == 0 || f[1]&0x80 == 0 || int(f[1]&0x7F) != len(f)-6 {
		t.Fatalf("% x is not a final masked client frame", f)
	}
	payload := make([]byte, len(f)-6)
	for i := range payload {
		payload[i] = f[6+i] ^ f[2+i%4]
	}
	return f[0] & 0x0F, payload
}

func TestWatcher_AnswersPingsAndTheHubsClose(t *testing.T) {
	var received atomic.Int64
	w := &watcher{}
	reply, open := w.handle(opPing, []byte("17"), 0, &received)
	if op, payload := unmask(t, reply); !open || op != opPong || string(payload) != "17" {
		t.Fatalf("ping answered with op %d %q (open %v); want a pong echoing 17", op, payload, open)
	}
	reply, open = w.handle(opClose, []byte{0x0F, 0xA8, 'x'}, 0, &received) // 4008
	if op, payload := unmask(t, reply); open || op != opClose || !bytes.Equal(payload, []byte{0x0F, 0xA8}) {
		t.Fatalf("close answered with op %d % x (open %v); want a close echoing 4008", op, payload, open)
	}
	if _, _, closed := w.harvest(1); closed == nil || !strings.Contains(closed.Error(), "4008") {
		t.Fatalf("watcher recorded %v; want the close code 4008", closed)
	}
}
