package api

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-fuego/fuego"
	"github.com/go-fuego/fuego/option"

	"github.com/dabba/dabba/store"
)

// StatusChangeRequest asks to move an order to a new status.
type StatusChangeRequest struct {
	// Status is the status wanted.
	Status store.OrderStatus `json:"status" validate:"required" example:"accepted"`
	// Reason is the reason code a rejection or cancellation needs (see the transition table).
	Reason string `json:"reason,omitempty" validate:"max=64" example:"out_of_stock"`
}

// Timeline is an order's events in sequence order.
type Timeline struct {
	// OrderID is the order.
	OrderID int64 `json:"order_id" example:"1042"`
	// Events after after_seq, oldest first; their seq runs without gaps.
	Events []store.OrderEvent `json:"events"`
}

func (s *Server) lifecycleRoutes(g *fuego.Server) {
	tag := option.Tags("orders")
	fuego.Post(g, "/orders/{id}/status", s.changeOrderStatus, tag, option.OperationID("changeOrderStatus"),
		option.Summary("Change an order's status"),
		option.Description("Moves the order along its lifecycle. Its restaurant accepts, rejects, prepares, marks ready and cancels "+
			"until ready; its courier picks up and delivers; its customer may cancel while it is placed; admins make any move "+
			"of the table. A rejection or cancellation needs a reason code. Asking for the status the order is already in "+
			"changes nothing and answers 200; a move not in the table is 409 `illegal_transition`, a move your role may not "+
			"make 403 `transition_not_allowed`. An order its restaurant does not accept within the accept deadline (10 minutes "+
			"by default) is rejected by the system with reason `accept_timeout`.\n\n"+
			"Each change is stored with the next sequence number of the order's timeline, then published on the websocket "+
			"topics `order:{id}` (with that sequence) and `restaurant:{id}`. Accepting assigns the nearest free courier.\n\n"+
			"**Transition table**\n\n"+transitionTable()),
		idPath("Order ID."), problemResponses(http.StatusForbidden, http.StatusNotFound, http.StatusConflict))
	fuego.Get(g, "/orders/{id}/timeline", s.getOrderTimeline, tag, option.OperationID("getOrderTimeline"),
		option.Summary("Get an order's timeline"),
		option.Description("Every event of the order in sequence order: the same events, with the same `seq`, as the websocket "+
			"topic `order:{id}` carries. Its customer, restaurant, assigned courier, or an admin."),
		idPath("Order ID."),
		option.QueryInt("after_seq", "Only the events after this sequence number (default 0: all)."),
		problemResponses(http.StatusNotFound))
}

// transitionTable renders store.Transitions as a Markdown table for the
// OpenAPI description, so the published lifecycle is the enforced one.
func transitionTable() string {
	var b strings.Builder
	b.WriteString("| from | to | who may | reason codes |\n|---|---|---|---|\n")
	for _, t := range store.Transitions() {
		roles := make([]string, len(t.Roles))
		for i, r := range t.Roles {
			roles[i] = string(r)
			if r == store.RoleSystem {
				roles[i] = "system (accept deadline)"
			}
		}
		reasons := "—"
		if t.NeedsReason {
			reasons = "required: `" + strings.Join(store.ReasonCodes(t.To), "`, `") + "`"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", t.From, t.To, strings.Join(roles, ", "), reasons)
	}
	b.WriteString("\n`delivered`, `rejected` and `cancelled` are terminal.")
	return b.String()
}

func (s *Server) changeOrderStatus(c fuego.ContextWithBody[StatusChangeRequest]) (*OrderView, error) {
	id, p, body, err := pathCallerBody(c)
	if err != nil {
		return nil, err
	}
	o, err := s.deps.Engine.ChangeStatus(c.Context(), store.StatusChange{OrderID: id, To: body.Status, Reason: body.Reason, By: p})
	if err != nil {
		return nil, err
	}
	return viewOrder(o), nil
}

func (s *Server) getOrderTimeline(c fuego.ContextNoBody) (*Timeline, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return nil, err
	}
	var after int64
	if raw := c.QueryParam("after_seq"); raw != "" {
		if after, err = strconv.ParseInt(raw, 10, 64); err != nil || after < 0 {
			return nil, badParameter("after_seq", "must be a sequence number, 0 or more")
		}
	}
	if _, err := s.visibleOrder(c.Context(), id); err != nil {
		return nil, err
	}
	events, err := s.services.Orders.Timeline(c.Context(), id, after)
	if err != nil {
		return nil, err
	}
	return &Timeline{OrderID: id, Events: events}, nil
}
