package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-fuego/fuego"
	"github.com/go-fuego/fuego/option"

	"github.com/dabba/dabba/realtime"
	"github.com/dabba/dabba/store"
)

// CacheConsoleTopic is the realtime topic of cache statistics and alerts.
const CacheConsoleTopic = "cache:console"

// NewSocketAuthenticator returns the realtime hub's authenticator: the
// REST API's bearer tokens, and per topic the same visibility rules as the
// REST routes — order:{id} for its customer, restaurant, assigned courier
// and admins; restaurant:{id} for that restaurant and admins; cache:console
// for admins. A socket lasts as long as its token: once the token's exp has
// passed, the hub closes it with realtime.CloseTokenExpired.
func NewSocketAuthenticator(tokens *Tokens, orders store.OrderService) realtime.Authenticator {
	return socketAuth{tokens: tokens, orders: orders}
}

type socketAuth struct {
	tokens *Tokens
	orders store.OrderService
}

func (a socketAuth) Authenticate(_ context.Context, token string) (realtime.Session, error) {
	p, expiresAt, err := a.tokens.verify(token)
	if err != nil {
		return nil, err
	}
	return socketSession{p: p, orders: a.orders, expiresAt: expiresAt}, nil
}

// socketSession is a socket's bearer; it is a realtime.ExpiringSession, so
// the hub closes the socket with realtime.CloseTokenExpired once the token
// expires.
type socketSession struct {
	p         store.Principal
	orders    store.OrderService
	expiresAt time.Time
}

var _ realtime.ExpiringSession = socketSession{}

func (s socketSession) ExpiresAt() time.Time { return s.expiresAt }

func (s socketSession) Authorize(ctx context.Context, topic string) error {
	kind, rawID, _ := strings.Cut(topic, ":")
	if topic == CacheConsoleTopic {
		return allowIf(s.p.IsAdmin(), topic)
	}
	id, err := strconv.ParseInt(rawID, 10, 64)
	if err != nil || id <= 0 {
		return fmt.Errorf("no such topic %s", topic)
	}
	switch kind {
	case "restaurant":
		return allowIf(s.p.Is(store.RoleRestaurant, id), topic)
	case "order":
		o, err := s.orders.Order(ctx, id)
		switch {
		case store.IsKind(err, store.ENOTFOUND):
			return fmt.Errorf("no such topic %s", topic)
		case err != nil:
			return fmt.Errorf("look up %s: %w", topic, realtime.ErrUnavailable)
		}
		return allowIf(o.VisibleTo(s.p), topic)
	}
	return fmt.Errorf("no such topic %s", topic)
}

func allowIf(ok bool, topic string) error {
	if ok {
		return nil
	}
	return fmt.Errorf("you may not watch %s", topic)
}

// socketDescription documents /ws in the OpenAPI description; the protocol
// itself is in realtime/PROTOCOL.md.
const socketDescription = "Live order tracking, kitchen and cache-console events over a websocket (JSON text frames, " +
	"subprotocol `dabba.v1`). Authenticate with the same bearer token as the REST API: an `Authorization` header, the " +
	"subprotocol list `[\"dabba.v1\", \"bearer.<token>\"]` (browsers), or `?token=`.\n\n" +
	"Client frames: `{\"op\":\"subscribe\",\"topic\":\"order:42\",\"since\":17}` (since optional), " +
	"`{\"op\":\"unsubscribe\",\"topic\":\"order:42\"}`, `{\"op\":\"ping\"}`.\n\n" +
	"Server frames: `{\"op\":\"event\",\"topic\",\"seq\",\"type\",\"data\",\"ts\"}`, `{\"op\":\"subscribed\",\"topic\",\"seq\"}`, " +
	"`{\"op\":\"reset\",\"topic\",\"reason\"}` (history no longer reaches `since`: reload over REST), " +
	"`{\"op\":\"error\",\"topic\",\"code\",\"message\"}`, `{\"op\":\"pong\"}`.\n\n" +
	"Topics: `order:{id}` (its customer, restaurant, courier, admins), `restaurant:{id}` (that restaurant, admins), " +
	"`cache:console` (admins). Status events are ordered and resumable (`seq` equals the order timeline's); courier " +
	"locations are latest-wins. Close codes: 1008 policy, 1009 frame too big, 1012 reconnect (server restarting), " +
	"1013 try again later (connection limit), 4001 unauthorized, 4003 token expired (reconnect with a fresh token and " +
	"resume with `since`), 4008 slow consumer. The full protocol: realtime/PROTOCOL.md."

// mountSocket serves the realtime hub at /ws and documents it. A plain
// HTTP request (no websocket upgrade) gets a problem instead of the hub:
// 401 without a token, else 426. Upgrades go to the hub, which refuses a
// bad token with close code 4001 — the only refusal a browser can read.
func (s *Server) mountSocket(hub http.Handler) {
	gate := func(w http.ResponseWriter, r *http.Request) {
		if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			if realtime.RequestToken(r) == "" {
				w.Header().Set("WWW-Authenticate", `Bearer realm="dabba"`)
				writeProblem(w, r, newProblem("", "token_invalid", "/ws needs a bearer token"))
				return
			}
			w.Header().Set("Upgrade", "websocket")
			writeProblem(w, r, newProblem("", "websocket_required", "/ws speaks the websocket protocol; open it with a websocket client"))
			return
		}
		hub.ServeHTTP(w, r)
	}
	fuego.GetStd(s.f, "/ws", gate, option.Tags("realtime"), option.OperationID("openSocket"),
		option.Summary("Open the realtime websocket"), option.OverrideDescription(socketDescription),
		option.Security(openapi3.SecurityRequirement{bearerScheme: []string{}}),
		func(r *fuego.BaseRoute) {
			r.Operation.AddResponse(http.StatusSwitchingProtocols, openapi3.NewResponse().WithDescription("The websocket is open."))
		},
		problemResponses(http.StatusUnauthorized))
}
