// Package realtime is dabba's websocket hub: customers watch their order,
// restaurants their kitchen and admins the cache console, live, on any node.
//
// A [Broker] keeps each topic's sequence and a bounded history in Redis and
// carries events between nodes over Redis pub/sub; a [Hub] serves the
// websocket endpoint (/ws), subscribes in Redis only to the topics its own
// clients watch, and fans each event out to them. Publishers (the order and
// restaurant actors, the cache console) call [Broker.Publish]; authentication
// and per-topic authorization come in through [Authenticator] and [Session],
// which the api package implements; a socket whose [ExpiringSession] token
// expires is closed.
//
// # Protocol
//
// The wire protocol is written out in PROTOCOL.md next to this file; in
// short: JSON text frames, each an object with an "op".
//
//	client → {"op":"subscribe","topic":"order:42","since":17}   (since optional)
//	         {"op":"unsubscribe","topic":"order:42"}
//	         {"op":"ping"}
//	server → {"op":"subscribed","topic":"order:42","seq":20}
//	         {"op":"event","topic":"order:42","seq":18,"type":"order.status","data":{…},"ts":1732590000123}
//	         {"op":"reset","topic":"order:42","reason":"history_trimmed"}
//	         {"op":"error","topic":"order:42","code":"forbidden","message":"…"}
//	         {"op":"pong"}
//
// The token is read from the Authorization header ("Bearer <token>"), from a
// Sec-WebSocket-Protocol entry "bearer.<token>" offered next to [Subprotocol]
// (browsers cannot set headers), or from the ?token= query parameter. It is
// never logged.
//
// # Close codes
//
//	1009 CloseFrameTooLarge    a frame exceeded 16 × MaxFrameBytes; smaller oversized frames only get an error
//	1012 CloseReconnect        the node is shutting down (or draining): reconnect with jitter and resume with since
//	1013 CloseTryAgainLater    the node is at MaxConnections: reconnect later or elsewhere
//	4001 CloseUnauthorized     no token, or the token was refused
//	4003 CloseTokenExpired     the token expired (see ExpiringSession): reconnect with a fresh one and resume with since
//	4008 CloseSlowConsumer     the socket's send queue exceeded SendQueueBytes, or a write exceeded WriteTimeout
//
// A peer that does not answer a heartbeat ping within HeartbeatTimeout is
// dropped without a close frame (browsers report 1006).
//
// # Error codes
//
// An error frame answers one client frame; the connection stays open.
//
//	bad_frame               not a JSON object with a string "op", a negative since, or a binary frame
//	frame_too_large         the frame was longer than MaxFrameBytes
//	unknown_op              op is none of subscribe, unsubscribe, ping
//	invalid_topic           the topic is not "<kind>:<id>" of letters, digits, '_', '-', '.'
//	forbidden               the session may not watch the topic
//	too_many_subscriptions  the socket already watches MaxSubscriptions topics
//	already_subscribed      the socket already watches the topic
//	not_subscribed          unsubscribe for a topic the socket does not watch
//	rate_limited            more than FramesPerSecond frames (beyond FrameBurst); the frame was ignored
//	unavailable             the hub could not reach Redis or the authorizer in time; try again
//
// # Delivery
//
// Ordered events (order status) advance their topic's sequence, are kept in
// the topic's history and are never dropped for a connected client: a client
// that cannot take them is disconnected instead (4008) and resumes with
// since. Latest-wins events (courier location) carry the topic's current
// sequence without advancing it, are not kept, and replace the previous one
// of the same topic that is still waiting in a slow client's queue.
package realtime
