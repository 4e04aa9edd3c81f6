package realtime

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Delivery is how an event reaches a client that falls behind.
type Delivery uint8

const (
	// Ordered events (order status, new orders) advance the topic's
	// sequence, are kept in its history for resume and are never dropped
	// for a connected client. The zero value.
	Ordered Delivery = iota
	// LatestWins events (courier location) carry the topic's current
	// sequence without advancing it, are not kept in history, and replace
	// the topic's previous latest-wins event still waiting in a slow
	// client's queue.
	LatestWins
)

// Publication is one event a publisher hands to a topic.
type Publication struct {
	// Type names the event for clients, e.g. "order.status",
	// "courier.location".
	Type string
	// Data is the event's JSON payload, sent to clients as it is; empty
	// means null.
	Data json.RawMessage
	// Delivery says whether the event is ordered or latest-wins.
	Delivery Delivery
	// Seq, when above 0, is the sequence the (ordered) event must carry: an
	// order's events are numbered by PostgreSQL (order_events.seq) and the
	// websocket sequence is the same number. It is used only if it is above
	// the topic's current sequence: one at or below it is taken to be a
	// retry of an event already published and nothing is sent. 0 assigns
	// the topic's next sequence.
	Seq int64
	// Contiguous, with Seq, refuses an event that does not directly follow
	// the topic's current sequence, with a *GapError, so that the topic
	// never skips one (its publisher sends the missing ones first). Without
	// it, a Seq may jump ahead (a timestamp, say).
	Contiguous bool
}

// Publisher publishes events to topics. [*Broker] implements it; actors and
// the cache console depend on this interface.
type Publisher interface {
	// Publish sends p to every subscriber of topic on every node and returns
	// the event's sequence. Assigning the sequence, appending to history and
	// sending happen atomically per topic, so subscribers see a topic's
	// ordered events in sequence order with no gap on resume. A latest-wins
	// event returns the topic's current sequence; an explicit Seq that is
	// not above the current sequence sends nothing and returns the current
	// sequence, so a publisher may retry safely. A Contiguous Seq beyond the
	// next one sends nothing and returns a *GapError. Returns an error
	// wrapping ErrInvalidTopic or ErrInvalidPublication for bad input;
	// otherwise an error means Redis could not be reached and nothing may
	// have been sent.
	Publish(ctx context.Context, topic string, p Publication) (int64, error)
}

var _ Publisher = (*Broker)(nil)

// Publish errors.
var (
	// ErrInvalidTopic: the topic name is not "<kind>:<id>" (see PROTOCOL.md).
	ErrInvalidTopic = errors.New("invalid topic")
	// ErrInvalidPublication: the publication has no type, data that is not
	// JSON, a negative Seq, or a Seq on a latest-wins event.
	ErrInvalidPublication = errors.New("invalid publication")
)

// GapError refuses a Contiguous event whose Seq would leave a gap: the
// topic's events after Current and before Seq were never published.
type GapError struct {
	// Topic is the topic published to.
	Topic string
	// Current is the topic's sequence, the last event it carries.
	Current int64
	// Seq is the sequence of the refused event.
	Seq int64
}

func (e *GapError) Error() string {
	return fmt.Sprintf("publish to %s: event %d would skip the events after %d, which were never published", e.Topic, e.Seq, e.Current)
}

// BrokerConfig configures where and how long topics live in Redis.
type BrokerConfig struct {
	// KeyPrefix starts every Redis key and pub/sub channel of the broker.
	// Default "dabba:realtime". Nodes that serve the same clients share it.
	KeyPrefix string
	// HistoryLength caps the ordered events kept per topic for resume.
	// Default 100.
	HistoryLength int
	// HistoryTTL is how long a topic's history (and with it its sequence)
	// survives without a publish or a subscribe. Default 24 h.
	HistoryTTL time.Duration
}

func (c BrokerConfig) withDefaults() BrokerConfig {
	if c.KeyPrefix == "" {
		c.KeyPrefix = "dabba:realtime"
	}
	if c.HistoryLength <= 0 {
		c.HistoryLength = 100
	}
	if c.HistoryTTL <= 0 {
		c.HistoryTTL = 24 * time.Hour
	}
	return c
}

//go:embed publish.lua
var publishLua string

//go:embed history.lua
var historyLua string

// Broker is the Redis side of realtime: it keeps each topic's sequence and
// bounded history (a stream "<prefix>:history:<topic>" whose entry IDs are
// the sequences) and carries events between nodes on the channel
// "<prefix>:topic:<topic>". It holds no state of its own and is safe for
// concurrent use; every node of a deployment may have its own.
type Broker struct {
	rdb     redis.UniversalClient
	cfg     BrokerConfig
	publish *redis.Script
	history *redis.Script
}

// NewBroker returns a broker over rdb.
func NewBroker(rdb redis.UniversalClient, cfg BrokerConfig) *Broker {
	return &Broker{
		rdb:     rdb,
		cfg:     cfg.withDefaults(),
		publish: redis.NewScript(publishLua),
		history: redis.NewScript(historyLua),
	}
}

// Publish implements [Publisher].
func (b *Broker) Publish(ctx context.Context, topic string, p Publication) (int64, error) {
	keys, args, err := b.publishArgs(topic, p, time.Now())
	if err != nil {
		return 0, fmt.Errorf("publish to %q: %w", topic, err)
	}
	res, err := b.publish.Run(ctx, b.rdb, keys, args...).Int64Slice()
	if err != nil {
		return 0, fmt.Errorf("publish to %s: %w", topic, err)
	}
	if len(res) != 2 {
		return 0, fmt.Errorf("publish to %s: unexpected script reply %v", topic, res)
	}
	if res[1] == 2 {
		return res[0], &GapError{Topic: topic, Current: res[0], Seq: p.Seq}
	}
	return res[0], nil
}

// publishArgs validates p and returns the keys and arguments of
// publish.lua for it.
func (b *Broker) publishArgs(topic string, p Publication, now time.Time) ([]string, []any, error) {
	if !validTopic(topic) {
		return nil, nil, ErrInvalidTopic
	}
	data := p.Data
	if len(data) == 0 {
		data = json.RawMessage("null")
	}
	switch {
	case p.Type == "":
		return nil, nil, fmt.Errorf("%w: no type", ErrInvalidPublication)
	case p.Seq < 0:
		return nil, nil, fmt.Errorf("%w: negative seq %d", ErrInvalidPublication, p.Seq)
	case p.Seq > 0 && p.Delivery == LatestWins:
		return nil, nil, fmt.Errorf("%w: a latest-wins event takes no seq", ErrInvalidPublication)
	case p.Contiguous && p.Seq == 0:
		return nil, nil, fmt.Errorf("%w: a contiguous event needs its seq", ErrInvalidPublication)
	case !json.Valid(data):
		return nil, nil, fmt.Errorf("%w: data is not JSON", ErrInvalidPublication)
	}
	head, tail, err := eventFrame(topic, p.Type, compactJSON(data), now.UnixMilli())
	if err != nil {
		return nil, nil, fmt.Errorf("encode event: %w", err)
	}
	mode := "o"
	switch {
	case p.Delivery == LatestWins:
		mode = "l"
	case p.Contiguous:
		mode = "c"
	case p.Seq > 0:
		mode = "e"
	}
	return []string{b.streamKey(topic)}, []any{b.channel(topic), mode, p.Seq, head, tail,
		now.UnixNano(), b.cfg.HistoryLength, b.cfg.HistoryTTL.Milliseconds()}, nil
}

// Forget deletes a topic's history, and with it its sequence, from Redis;
// the topic's next event starts again at 1. Subscribers that resume from a
// position get a reset.
func (b *Broker) Forget(ctx context.Context, topic string) error {
	if err := b.rdb.Unlink(ctx, b.streamKey(topic)).Err(); err != nil {
		return fmt.Errorf("forget topic %s: %w", topic, err)
	}
	return nil
}

// compactJSON removes insignificant space so an event frame stays on one
// line and small; data is valid JSON.
func compactJSON(data json.RawMessage) json.RawMessage {
	if !bytes.ContainsAny(data, " \t\r\n") {
		return data
	}
	var buf bytes.Buffer
	if json.Compact(&buf, data) != nil {
		return data
	}
	return buf.Bytes()
}

func (b *Broker) streamKey(topic string) string { return b.cfg.KeyPrefix + ":history:" + topic }

// channel is the pub/sub channel of topic.
func (b *Broker) channel(topic string) string { return b.cfg.KeyPrefix + ":topic:" + topic }

// history is what a node reads to bring subscribers up to date.
type history struct {
	// current is the topic's sequence at the read.
	current int64
	// oldest is the oldest sequence still kept; 0 when it was not needed.
	oldest int64
	// events are the kept ordered events after the position read from, in
	// sequence order, when the history reaches back that far.
	events []*frame
}

// reaches reports whether the history still holds every event after
// position (which is below current).
func (h history) reaches(position int64) bool {
	return h.oldest > 0 && h.oldest <= position+1
}

// readHistory reads topic's current sequence and, if position ≥ 0, the
// events after it, then publishes the marker token on the topic's channel
// (see history.lua): a node subscribed to the channel receives the marker
// after every event published before the read and before every event
// published after it.
func (b *Broker) readHistory(ctx context.Context, topic string, position int64, token string) (history, error) {
	res, err := b.history.Run(ctx, b.rdb, []string{b.streamKey(topic)},
		b.channel(topic), position, token, b.cfg.HistoryTTL.Milliseconds()).Slice()
	if err != nil {
		return history{}, fmt.Errorf("read history of %s: %w", topic, err)
	}
	if len(res) < 2 || len(res)%2 != 0 {
		return history{}, fmt.Errorf("read history of %s: unexpected script reply of %d values", topic, len(res))
	}
	current, ok1 := res[0].(int64)
	oldest, ok2 := res[1].(int64)
	if !ok1 || !ok2 {
		return history{}, fmt.Errorf("read history of %s: unexpected script reply %v", topic, res[:2])
	}
	h := history{current: current, oldest: oldest, events: make([]*frame, 0, (len(res)-2)/2)}
	for i := 2; i < len(res); i += 2 {
		id, _ := res[i].(string)
		data, _ := res[i+1].(string)
		seq, err := strconv.ParseInt(strings.TrimSuffix(id, "-0"), 10, 64)
		if err != nil {
			return history{}, fmt.Errorf("read history of %s: entry ID %q: %w", topic, id, err)
		}
		h.events = append(h.events, &frame{wire: textFrame(data), kind: kindOrdered, seq: seq})
	}
	return h, nil
}

// channelMessage is a message on a topic's channel, as publish.lua and
// history.lua write it: an event "<o|l><seq> <publish nanos> <frame>" or a
// marker "m<token>".
type channelMessage struct {
	event  *frame
	marker string
}

func parseChannelMessage(payload string) (channelMessage, error) {
	if payload == "" {
		return channelMessage{}, errors.New("empty channel message")
	}
	kind, rest := payload[0], payload[1:]
	switch kind {
	case 'm':
		return channelMessage{marker: rest}, nil
	case 'o', 'l':
	default:
		return channelMessage{}, fmt.Errorf("channel message of unknown kind %q", kind)
	}
	seqText, rest, ok1 := strings.Cut(rest, " ")
	nanosText, data, ok2 := strings.Cut(rest, " ")
	seq, err1 := strconv.ParseInt(seqText, 10, 64)
	nanos, err2 := strconv.ParseInt(nanosText, 10, 64)
	if !ok1 || !ok2 || err1 != nil || err2 != nil {
		return channelMessage{}, errors.New("malformed event message")
	}
	f := &frame{wire: textFrame(data), kind: kindOrdered, seq: seq, publishedAt: nanos}
	if kind == 'l' {
		f.kind = kindLatest
	}
	return channelMessage{event: f}, nil
}
