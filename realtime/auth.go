package realtime

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"
)

// Authenticator turns the token a client presents into a Session. The api
// package implements it with the REST API's JWT verification.
type Authenticator interface {
	// Authenticate returns the session of the bearer of token, or an error
	// if the token is invalid or expired; the socket is then closed with
	// CloseUnauthorized. token is never empty: a client that presents none
	// is refused without a call.
	Authenticate(ctx context.Context, token string) (Session, error)
}

// Session is an authenticated client: it decides which topics it may watch.
type Session interface {
	// Authorize returns nil if the session may subscribe to topic (a name
	// that already passed the topic syntax check). An error wrapping
	// ErrUnavailable means the answer could not be found now (the store is
	// unreachable) and the client may retry; any other error refuses the
	// topic. Either way the client gets an error frame and keeps its socket.
	Authorize(ctx context.Context, topic string) error
}

// ExpiringSession is a Session whose token expires, as a JWT does at its
// exp. The hub refuses such a session with CloseTokenExpired if its token
// has already expired, refuses a subscribe made after the expiry the same
// way, and closes the socket with CloseTokenExpired at its first heartbeat
// round after the expiry; the client reconnects with a fresh token and
// resumes with since. A Session that does not implement it, or whose
// ExpiresAt is the zero time, keeps its socket until the client leaves.
type ExpiringSession interface {
	Session
	// ExpiresAt is when the session's token stops being valid (its JWT
	// exp), or the zero time if it never does.
	ExpiresAt() time.Time
}

// tokenExpiry returns when s's token expires in Unix milliseconds, the
// form a conn keeps it in; 0 if it never does.
func tokenExpiry(s Session) int64 {
	e, ok := s.(ExpiringSession)
	if !ok || e.ExpiresAt().IsZero() {
		return 0
	}
	// An expiry at the Unix epoch must not read as "never".
	return max(e.ExpiresAt().UnixMilli(), 1)
}

// ErrUnavailable is what a Session wraps when it cannot decide now; the
// client gets the "unavailable" error code instead of "forbidden".
var ErrUnavailable = errors.New("authorization unavailable")

// RequestToken returns the token a client presented: an "Authorization:
// Bearer" header, a "bearer.<token>" subprotocol, or a ?token= query
// parameter, in that order; "" if none.
func RequestToken(r *http.Request) string {
	if scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
		return strings.TrimSpace(token)
	}
	for _, header := range r.Header.Values("Sec-WebSocket-Protocol") {
		for protocol := range strings.SplitSeq(header, ",") {
			if token, ok := strings.CutPrefix(strings.TrimSpace(protocol), tokenProtocolPrefix); ok {
				return token
			}
		}
	}
	return r.URL.Query().Get("token")
}
