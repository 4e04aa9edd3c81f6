package realtime

import (
	"encoding/binary"
	"encoding/json"
	"strconv"

	"github.com/coder/websocket"
)

// Subprotocol is the websocket subprotocol the hub speaks. Browsers that pass
// their token as a "bearer.<token>" subprotocol must offer it too: the hub
// echoes it back, never the token.
const Subprotocol = "dabba.v1"

// tokenProtocolPrefix marks the Sec-WebSocket-Protocol entry that carries the
// bearer token.
const tokenProtocolPrefix = "bearer."

// The close codes the hub ends a socket with; PROTOCOL.md says what a client
// should do after each.
const (
	// CloseFrameTooLarge: a frame exceeded 16 × MaxFrameBytes (websocket's
	// own "message too big").
	CloseFrameTooLarge = websocket.StatusMessageTooBig
	// CloseReconnect: the node is shutting down (sockets opened while it
	// drains get it too); reconnect with jitter and resume with since.
	CloseReconnect = websocket.StatusServiceRestart
	// CloseTryAgainLater: the node is full (MaxConnections).
	CloseTryAgainLater = websocket.StatusTryAgainLater
	// CloseUnauthorized: no token, or the Authenticator refused it.
	CloseUnauthorized websocket.StatusCode = 4001
	// CloseTokenExpired: the token the socket was opened with has expired
	// (see ExpiringSession); reconnect with a fresh token and resume with
	// since.
	CloseTokenExpired websocket.StatusCode = 4003
	// CloseSlowConsumer: the client did not take its events fast enough (send
	// queue over SendQueueBytes, or a write over WriteTimeout).
	CloseSlowConsumer websocket.StatusCode = 4008
)

// ErrorCode says why the hub refused one client frame, in an error frame.
type ErrorCode string

// The error codes of error frames.
const (
	CodeBadFrame             ErrorCode = "bad_frame"
	CodeFrameTooLarge        ErrorCode = "frame_too_large"
	CodeUnknownOp            ErrorCode = "unknown_op"
	CodeInvalidTopic         ErrorCode = "invalid_topic"
	CodeForbidden            ErrorCode = "forbidden"
	CodeTooManySubscriptions ErrorCode = "too_many_subscriptions"
	CodeAlreadySubscribed    ErrorCode = "already_subscribed"
	CodeNotSubscribed        ErrorCode = "not_subscribed"
	CodeRateLimited          ErrorCode = "rate_limited"
	CodeUnavailable          ErrorCode = "unavailable"
)

// ResetReason says why the hub cannot replay what a client missed; after a
// reset the client reloads the topic's state over REST and keeps applying
// the live events that follow.
type ResetReason string

// The reasons of reset frames.
const (
	// ResetHistoryTrimmed: the events after the client's position are no
	// longer kept (the history is capped and expires when idle).
	ResetHistoryTrimmed ResetReason = "history_trimmed"
	// ResetSequenceRestarted: the topic's sequence started again below the
	// client's position (its history expired while idle and a new event
	// restarted it); the client adopts the new sequence.
	ResetSequenceRestarted ResetReason = "sequence_restarted"
	// ResetHistoryUnavailable: the node lost its Redis subscription and
	// could not read what was missed while it was gone.
	ResetHistoryUnavailable ResetReason = "history_unavailable"
)

// maxTopicLen caps a topic name.
const maxTopicLen = 128

// validTopic reports whether name is "<kind>:<id>": a lower-case kind, then
// letters, digits, '_', '-' or '.'. Topics are embedded in Redis keys and
// JSON, so anything else is refused.
func validTopic(name string) bool {
	if len(name) == 0 || len(name) > maxTopicLen {
		return false
	}
	colon := -1
	for i := 0; i < len(name); i++ {
		b := name[i]
		switch {
		case b == ':' && colon < 0 && i > 0:
			colon = i
		case b >= 'a' && b <= 'z', b == '_':
		case colon >= 0 && (b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '.'):
		default:
			return false
		}
	}
	return colon > 0 && colon < len(name)-1
}

// clientFrame is a frame a client sends.
type clientFrame struct {
	Op    string `json:"op"`
	Topic string `json:"topic"`
	// Since is the last sequence the client saw of Topic, if it saw any.
	Since *int64 `json:"since"`
}

// frameKind tells event frames, whose delivery rules differ, from replies.
type frameKind uint8

const (
	kindReply frameKind = iota
	kindOrdered
	kindLatest
)

// frame is one server frame, encoded once, websocket framing included: a
// published event is decoded from Redis once per node and the same frame is
// queued to, and its bytes written to, every subscriber.
type frame struct {
	// wire is the whole websocket text frame, header and JSON payload.
	// Server frames are not masked, so it is the same for every socket.
	wire []byte
	kind frameKind
	// seq is the event's sequence (events only).
	seq int64
	// publishedAt is when the event was published, in Unix nanoseconds; 0
	// for replies and replayed history, which the latency histogram skips.
	publishedAt int64
}

// pongFrame answers a client ping; it is shared by every connection.
var pongFrame = &frame{wire: textFrame(`{"op":"pong"}`)}

// textFrame returns the websocket text frame that carries payload whole
// (RFC 6455 §5.2: FIN, opcode 1, unmasked as a server's frames are). The
// hub frames data itself instead of letting coder/websocket do it per
// socket: see wire.
func textFrame[T string | []byte](payload T) []byte {
	n := len(payload)
	var b []byte
	switch {
	case n < 126:
		b = make([]byte, 2, 2+n)
		b[1] = byte(n)
	case n <= 0xFFFF:
		b = make([]byte, 4, 4+n)
		b[1] = 126
		binary.BigEndian.PutUint16(b[2:], uint16(n))
	default:
		b = make([]byte, 10, 10+n)
		b[1] = 127
		binary.BigEndian.PutUint64(b[2:], uint64(n))
	}
	b[0] = 0x81 // FIN | text
	return append(b, payload...)
}

func subscribedFrame(topic string, seq int64) *frame {
	return replyFrame(struct {
		Op    string `json:"op"`
		Topic string `json:"topic"`
		Seq   int64  `json:"seq"`
	}{"subscribed", topic, seq})
}

func resetFrame(topic string, reason ResetReason) *frame {
	return replyFrame(struct {
		Op     string      `json:"op"`
		Topic  string      `json:"topic"`
		Reason ResetReason `json:"reason"`
	}{"reset", topic, reason})
}

func errorFrame(topic string, code ErrorCode, message string) *frame {
	return replyFrame(struct {
		Op      string    `json:"op"`
		Topic   string    `json:"topic,omitempty"`
		Code    ErrorCode `json:"code"`
		Message string    `json:"message"`
	}{"error", topic, code, message})
}

func replyFrame(v any) *frame {
	// The reply structs hold strings and integers only: Marshal cannot fail.
	b, _ := json.Marshal(v)
	return &frame{wire: textFrame(b)}
}

// eventFrame returns an event frame split around its sequence, which the
// publish script fills in: head ends with `"seq":`, tail starts after it.
func eventFrame(topic, typ string, data json.RawMessage, tsMillis int64) (head, tail []byte, err error) {
	quotedTopic, err := json.Marshal(topic)
	if err != nil {
		return nil, nil, err
	}
	quotedType, err := json.Marshal(typ)
	if err != nil {
		return nil, nil, err
	}
	head = make([]byte, 0, 40+len(quotedTopic))
	head = append(head, `{"op":"event","topic":`...)
	head = append(head, quotedTopic...)
	head = append(head, `,"seq":`...)
	tail = make([]byte, 0, 40+len(quotedType)+len(data))
	tail = append(tail, `,"type":`...)
	tail = append(tail, quotedType...)
	tail = append(tail, `,"data":`...)
	tail = append(tail, data...)
	tail = append(tail, `,"ts":`...)
	tail = strconv.AppendInt(tail, tsMillis, 10)
	tail = append(tail, '}')
	return head, tail, nil
}
