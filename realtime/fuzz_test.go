package realtime

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// clientFrameSeeds are frames a client sends, well formed or not: the
// seeds of both fuzz targets of client frames.
var clientFrameSeeds = []string{
	`{"op":"subscribe","topic":"order:1"}`,
	`{"op":"subscribe","topic":"order:3","since":0}`,
	`{"op":"subscribe","topic":"order:4","since":41}`,
	`{"op":"unsubscribe","topic":"order:1"}`,
	`{"op":"ping"}`,
	`{"op":"subscribe","topic":"order:1","since":-3}`,
	`{"op":"subscribe","topic":"order:1","since":1.5}`,
	`{"op":"subscribe","topic":"order:1","since":"7"}`,
	`{"op":"subscribe","topic":"order:1","since":null}`,
	`{"op":"subscribe","topic":"order:1","since":9223372036854775808}`,
	`{"op":"subscribe","topic":"Order 1"}`,
	`{"op":"subscribe","topic":"restaurant:7"}`,
	`{"OP":"ping","Topic":"x:1","op":"subscribe"}`,
	`{"op":"dance"}`,
	`{"op":7}`,
	`{"topic":"order:1"}`,
	`[1,2]`,
	`null`,
	`hello`,
	"{\"op\":\"subscribe\",\"topic\":\"order:\xff\"}",
	`{"op":"ping","pad":"` + strings.Repeat("x", 5000) + `"}`,
}

// decodeClientFrame decodes data as conn.handle does: a frame is a JSON
// object with a non-empty string op.
func decodeClientFrame(data []byte) (clientFrame, bool) {
	var f clientFrame
	if err := json.Unmarshal(data, &f); err != nil || f.Op == "" {
		return clientFrame{}, false
	}
	return f, true
}

func sameClientFrame(a, b clientFrame) bool {
	return a.Op == b.Op && a.Topic == b.Topic && (a.Since == nil) == (b.Since == nil) &&
		(a.Since == nil || *a.Since == *b.Since)
}

// FuzzClientFrame_DecodesToTheSameFrameAgain checks the client frame's
// decoding: whatever bytes a client sends, a frame the hub reads encodes
// back to JSON that reads as the same frame, op, topic and since alike.
// A frame that did not would be acted on differently from what a proxy,
// a log or a test that re-encodes it sees.
func FuzzClientFrame_DecodesToTheSameFrameAgain(f *testing.F) {
	for _, s := range clientFrameSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		first, ok := decodeClientFrame(data)
		if !ok {
			return
		}
		encoded, err := json.Marshal(first)
		if err != nil {
			t.Fatalf("frame %+v read from %q does not encode: %v", first, data, err)
		}
		again, ok := decodeClientFrame(encoded)
		if !ok || !sameClientFrame(first, again) {
			t.Fatalf("%q read as %+v, encoded as %s, which reads as %+v (ok %v)", data, first, encoded, again, ok)
		}
	})
}

// FuzzConn_EveryClientFrameGetsOneAnswer sends arbitrary bytes as text
// frames to a real hub and checks that the socket survives each, answered
// with exactly one frame (pong, subscribed, or an error with one of the
// codes PROTOCOL.md lists and a message), or with none when it
// unsubscribes from a topic the socket watches. conn.handle runs on the
// hub's goroutines, so a panic there ends the fuzz process and is
// reported too.
func FuzzConn_EveryClientFrameGetsOneAnswer(f *testing.F) {
	const maxFrame = 4096
	n := newCluster(f).start(func(c *Config) {
		c.MaxFrameBytes = maxFrame
		// The fuzzer sends far faster than any client may.
		c.FramesPerSecond, c.FrameBurst = 1e9, 1<<30
	})
	ws := n.dial(f, "customer-1").ws
	codes := []ErrorCode{CodeBadFrame, CodeFrameTooLarge, CodeUnknownOp, CodeInvalidTopic, CodeForbidden,
		CodeTooManySubscriptions, CodeAlreadySubscribed, CodeNotSubscribed, CodeRateLimited, CodeUnavailable}
	// watching are the topics the socket is subscribed to; their reset
	// frames (a topic without history restarts the client's since) may
	// come at any time after the subscribed frame, so reset frames of
	// every topic ever subscribed to are not answers.
	watching, resets := map[string]bool{}, map[string]bool{}
	var execs int
	for _, s := range clientFrameSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// A frame over 16 × MaxFrameBytes closes the socket by design
		// (TestFrames_MalformedOversizedAndUnknownGetAnErrorAndTheHubStaysHealthy).
		if len(data) > maxFrame*discardFactor {
			return
		}
		want := 1
		if fr, ok := decodeClientFrame(data); ok && len(data) <= maxFrame && fr.Op == "unsubscribe" && watching[fr.Topic] {
			want = 0
			delete(watching, fr.Topic)
		}
		execs++
		c := &client{t: t, ws: ws}
		c.send(string(data))
		// Unsubscribing from a topic the socket never joined is refused,
		// echoing the topic: its error marks the end of the answer.
		end := fmt.Sprintf("fuzz:end-%d", execs)
		c.send(fmt.Sprintf(`{"op":"unsubscribe","topic":%q}`, end))
		var answers []serverFrame
		for {
			a, err := c.read()
			if err != nil {
				t.Fatalf("after %q the socket failed: %v", data, err)
			}
			if a.Op == "error" && a.Topic == end {
				break
			}
			if a.Op == "reset" && resets[a.Topic] {
				continue
			}
			answers = append(answers, a)
			switch a.Op {
			case "pong":
			case "subscribed":
				if !validTopic(a.Topic) || watching[a.Topic] {
					t.Fatalf("%q subscribed to %q, watching %v", data, a.Topic, watching)
				}
				watching[a.Topic], resets[a.Topic] = true, true
			case "error":
				if !slices.Contains(codes, a.Code) || a.Message == "" {
					t.Fatalf("%q was refused with %+v", data, a)
				}
				if len(data) > maxFrame && a.Code != CodeFrameTooLarge {
					t.Fatalf("a %d-byte frame was refused with %s, want %s", len(data), a.Code, CodeFrameTooLarge)
				}
			default:
				t.Fatalf("%q was answered with %+v", data, a)
			}
		}
		if len(answers) != want {
			t.Fatalf("%q was answered with %d frames, want %d: %+v", data, len(answers), want, answers)
		}
	})
}
